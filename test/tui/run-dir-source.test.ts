import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunInfo } from '../../src/run-dir/run-dir.js';
import { endEvents, guessFailedRank, recordEvents, RunDirSource } from '../../src/tui/run-dir-source.js';
import { initialRunState, reduceRun, type RunEvent, type RunState } from '../../src/tui/run-store.js';
import { log, makeRun, progress, setStatus, START } from './run-dir-fixture.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-source-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('RunDirSource', () => {
  it('returns only what was appended since the last poll, and holds back a half-written line', () => {
    const paths = makeRun(root);
    const source = new RunDirSource(paths);
    progress(paths, 0, 1, { loss: 1 });
    log(paths, 0, 'first');
    fs.appendFileSync(paths.rankLog(0), 'partial');
    const one = source.poll([0, 1]);
    expect(one.records.map((r) => r.step)).toEqual([1]);
    expect(one.lines).toEqual([{ rank: 0, line: 'first' }]);
    fs.appendFileSync(paths.rankLog(0), ' line\n');
    progress(paths, 0, 2, { loss: 0.5 });
    const two = source.poll([0, 1]);
    expect(two.records.map((r) => r.step)).toEqual([2]);
    expect(two.lines).toEqual([{ rank: 0, line: 'partial line' }]);
    expect(source.poll([0, 1]).lines).toEqual([]);
  });

  it('reads only the end of a long log at first, without a torn first line', () => {
    const paths = makeRun(root);
    const long = Array.from({ length: 40_000 }, (_, i) => `line number ${i}`);
    log(paths, 0, ...long);
    const lines = new RunDirSource(paths).poll([0]).lines.map((l) => l.line);
    expect(lines.at(-1)).toBe('line number 39999');
    expect(lines.length).toBeLessThan(40_000);
    expect(lines[0]).toMatch(/^line number \d+$/);
  });

  it('finds the ranks from their log files and describes the start', () => {
    const paths = makeRun(root, { worldSize: 3 });
    const source = new RunDirSource(paths);
    const info = source.poll([]).info;
    expect(source.ranks(info)).toEqual([0, 1, 2]);
    const start = source.startInfo(info);
    expect(start).toMatchObject({ runDir: paths.dir, worldSize: 3, liveRank: 0, startTime: START });
    expect(start.logPaths[2]).toBe(paths.rankLog(2));
  });

  it('turns records into the events the live dashboard saw', () => {
    expect(recordEvents({ kind: 'progress', rank: 1, step: 3, time: 5, metrics: { loss: 1 }, stepsPerSecond: 2 })[0]).toMatchObject({ type: 'message', at: 5, message: { type: 'progress', rank: 1, step: 3, stepsPerSecond: 2 } });
    expect(recordEvents({ kind: 'heartbeat', rank: 1, step: 3, time: 5, metrics: { stalled: 1 } })).toEqual([{ type: 'stalled', rank: 1, seconds: 0, step: 3 }]);
    expect(recordEvents({ kind: 'heartbeat', rank: 1, step: 3, time: 5 })).toEqual([]);
  });
});

describe('endEvents and guessFailedRank', () => {
  function stateOf(paths: ReturnType<typeof makeRun>, events: RunEvent[]): RunState {
    const source = new RunDirSource(paths);
    const info = source.poll([]).info;
    return [{ type: 'started', info: source.startInfo(info) } as RunEvent, ...events].reduce(reduceRun, initialRunState());
  }

  it('says nothing while the run goes', () => {
    const paths = makeRun(root);
    expect(endEvents(stateOf(paths, []), readRunInfo(paths), paths)).toEqual([]);
  });

  it('finishes every rank of a finished run and sums it up', () => {
    const paths = makeRun(root);
    setStatus(paths, 'finished', 0, 42);
    const events = endEvents(stateOf(paths, []), readRunInfo(paths), paths);
    expect(events.filter((e) => e.type === 'exited')).toEqual([
      { type: 'exited', rank: 0, exitCode: 0, signal: null },
      { type: 'exited', rank: 1, exitCode: 0, signal: null },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'ended', summary: { status: 'finished', exitCode: 0, seconds: 42, runDir: paths.dir, checkpointCount: 0 } });
  });

  it('blames the rank whose log ends with an error, else the first that never finished', () => {
    const paths = makeRun(root, { worldSize: 3 });
    setStatus(paths, 'failed', 7, 12, 3);
    const line = (rank: number, text: string): RunEvent => ({ type: 'line', rank, line: text });
    const end = (rank: number): RunEvent => ({ type: 'message', at: START, message: { type: 'end', rank, step: 1, time: START, metrics: {} } });
    const info = readRunInfo(paths);
    expect(guessFailedRank(stateOf(paths, [line(2, 'RangeError: bad shape')]), info, paths)).toBe(2);
    expect(guessFailedRank(stateOf(paths, [end(0)]), info, paths)).toBe(1);
    expect(guessFailedRank(stateOf(paths, []), { ...info, failedRank: 2 } as typeof info, paths)).toBe(2);
    const events = endEvents(stateOf(paths, [line(2, 'RangeError: bad shape'), end(0)]), info, paths);
    expect(events.filter((e) => e.type === 'exited')).toEqual([
      { type: 'exited', rank: 0, exitCode: 0, signal: null },
      { type: 'exited', rank: 1, exitCode: undefined, signal: null, status: 'stopped' },
      { type: 'exited', rank: 2, exitCode: 7, signal: null, status: 'failed' },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'ended', summary: { status: 'failed', exitCode: 7, failedRank: 2 } });
  });
});
