import { describe, expect, it } from 'vitest';
import { initialRunState, LOG_LINES_KEPT, metricNames, rankViews, reduceRun, SERIES_POINTS_KEPT, THROUGHPUT_SAMPLES_KEPT, type RunEvent } from '../../src/tui/run-store.js';
import { endInfo, replay, startInfo, T0, trainingEvents } from './fixtures.js';

describe('reduceRun', () => {
  it('starts with every local rank waiting and the live rank feeding the chart', () => {
    const state = replay([{ type: 'started', info: startInfo() }]);
    expect(state.label).toBe('demo/version_2');
    expect(state.chartRank).toBe(0);
    expect(rankViews(state).map((r) => [r.rank, r.status, r.step])).toEqual([[0, 'starting', 0], [1, 'starting', 0]]);
  });

  it('never changes the state it was given', () => {
    const before = replay([{ type: 'started', info: startInfo() }]);
    const frozen = JSON.stringify(before);
    reduceRun(before, { type: 'message', at: T0, message: { type: 'progress', rank: 0, step: 3, time: T0, metrics: { loss: 1 } } });
    reduceRun(before, { type: 'line', rank: 0, line: 'x' });
    expect(JSON.stringify(before)).toBe(frozen);
  });

  it('tracks step, metrics, throughput, memory and heartbeat per rank', () => {
    const state = replay(trainingEvents(5));
    const [zero, one] = rankViews(state);
    expect(zero).toMatchObject({ status: 'running', step: 50, backend: 'wasm', stepsPerSecond: 105, rssBytes: 200 * 1024 * 1024, tfjsBytes: 3 * 1024 * 1024, lastSeen: T0 + 1500 });
    expect(zero.metrics.loss).toBeCloseTo(0.4);
    expect(one.step).toBe(50);
    expect(state.throughput).toEqual([101, 102, 103, 104, 105]);
  });

  it('keeps series and best values of the chart rank only', () => {
    const state = replay(trainingEvents(4));
    expect(metricNames(state)).toEqual(['loss', 'acc']);
    expect(state.series.loss.map((p) => p.step)).toEqual([10, 20, 30, 40]);
    expect(state.stats.loss).toMatchObject({ min: 0.5, minStep: 40, max: 2, maxStep: 10, last: 0.5, lastStep: 40 });
    expect(state.stats.acc).toMatchObject({ max: 0.8, maxStep: 40 });
  });

  it('does not repeat a step when the end message restates the last progress', () => {
    const events = trainingEvents(2);
    const state = replay([...events, { type: 'message', at: T0 + 9000, message: { type: 'end', rank: 0, step: 20, time: T0 + 9000, metrics: { loss: 0.9 } } }]);
    expect(state.series.loss.map((p) => [p.step, p.value])).toEqual([[10, 2], [20, 0.9]]);
    expect(state.ranks[0].sentEnd).toBe(true);
  });

  it('thins long series but keeps the newest point', () => {
    const state = replay(trainingEvents(SERIES_POINTS_KEPT + 1, [0]));
    const points = state.series.loss;
    expect(points.length).toBeLessThanOrEqual(SERIES_POINTS_KEPT);
    expect(points.length).toBeGreaterThan(SERIES_POINTS_KEPT / 2 - 1);
    expect(points.at(-1)!.step).toBe((SERIES_POINTS_KEPT + 1) * 10);
    expect(state.throughput).toHaveLength(THROUGHPUT_SAMPLES_KEPT);
  });

  it('ignores NaN for best values but keeps it as the last value', () => {
    const state = replay([
      ...trainingEvents(2, [0]),
      { type: 'message', at: T0 + 5000, message: { type: 'progress', rank: 0, step: 30, time: T0 + 5000, metrics: { loss: NaN } } },
    ]);
    expect(state.stats.loss.min).toBe(1);
    expect(state.stats.loss.last).toBeNaN();
  });

  it('keeps the last lines of each rank', () => {
    const lines: RunEvent[] = Array.from({ length: LOG_LINES_KEPT + 5 }, (_, i) => ({ type: 'line', rank: 1, line: `line ${i}` }));
    const state = replay([{ type: 'started', info: startInfo() }, ...lines]);
    expect(state.logs[1]).toHaveLength(LOG_LINES_KEPT);
    expect(state.logs[1].at(-1)).toBe(`line ${LOG_LINES_KEPT + 4}`);
    expect(state.logs[0]).toBeUndefined();
  });

  it('marks a stalled rank and clears it when it speaks again', () => {
    const stalled = replay([...trainingEvents(1), { type: 'stalled', rank: 1, seconds: 31, step: 10 }]);
    expect(stalled.ranks[1].status).toBe('stalled');
    const back = reduceRun(stalled, { type: 'responsive', rank: 1, at: T0 + 40_000 });
    expect(back.ranks[1]).toMatchObject({ status: 'running', lastSeen: T0 + 40_000 });
  });

  it('tells finished, failed and torn-down ranks apart', () => {
    const state = replay([
      ...trainingEvents(1),
      { type: 'exited', rank: 1, exitCode: 1, signal: null },
      { type: 'exited', rank: 0, exitCode: 143, signal: null },
    ]);
    expect(state.ranks[1]).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(state.ranks[0]).toMatchObject({ status: 'stopped', exitCode: 143 });
    expect(replay([...trainingEvents(1), { type: 'exited', rank: 0, exitCode: 0, signal: null }]).ranks[0].status).toBe('finished');
  });

  it('calls non-zero exits after a stop request stopped, not failed', () => {
    const state = replay([...trainingEvents(1), { type: 'stopRequested' }, { type: 'exited', rank: 0, exitCode: 130, signal: null }]);
    expect(state.stopping).toBe(true);
    expect(state.ranks[0]).toMatchObject({ status: 'stopped', exitCode: 130 });
  });

  it('learns the run length from a progress message or the config', () => {
    const fromMessage = replay([...trainingEvents(1), { type: 'message', at: T0, message: { type: 'progress', rank: 0, step: 20, time: T0, metrics: {}, totalSteps: 400 } }]);
    expect(fromMessage.totalSteps).toBe(400);
    expect(replay([{ type: 'started', info: startInfo({ config: { maxSteps: 50 } }) }]).totalSteps).toBe(50);
    expect(replay(trainingEvents(1)).totalSteps).toBeUndefined();
  });

  it('collects notices and the end summary', () => {
    const state = replay([...trainingEvents(1), { type: 'notice', text: 'a' }, { type: 'notice', text: 'b' }, { type: 'ended', summary: endInfo() }]);
    expect(state.notices).toEqual(['a', 'b']);
    expect(state.ended?.status).toBe('finished');
  });

  it('accepts events for a rank it was not told about', () => {
    const state = reduceRun(initialRunState(), { type: 'message', at: T0, message: { type: 'heartbeat', rank: 7, step: 2, time: T0, rssBytes: 1 } });
    expect(state.ranks[7]).toMatchObject({ rank: 7, status: 'running', step: 2 });
  });
});
