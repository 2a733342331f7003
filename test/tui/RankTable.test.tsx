import { describe, expect, it, vi } from 'vitest';
import { rankViews } from '../../src/tui/run-store.js';
import { replay, T0, trainingEvents } from './fixtures.js';

// Colours are part of what this table promises; chalk decides on colour support when it is first imported.
vi.stubEnv('FORCE_COLOR', '1');
const { render } = await import('ink-testing-library');
const { RankTable } = await import('../../src/tui/RankTable.js');
const { statusText } = await import('../../src/tui/status-text.js');

const RED = '\x1b[31m';
const YELLOW = '\x1b[33m';
const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('RankTable', () => {
  it('shows step, steps/s, loss, heartbeat age, memory and status per rank', () => {
    const state = replay(trainingEvents(3));
    const frame = strip(render(<RankTable ranks={rankViews(state)} now={T0 + 1300 + 2500} />).lastFrame()!);
    const [header, zero, one] = frame.split('\n');
    expect(header.trim().split(/\s+/)).toEqual(['rank', 'status', 'step', 'steps/s', 'loss', 'heartbeat', 'rss', 'tfjs']);
    expect(zero.trim().split(/\s+/)).toEqual(['0', 'running', '30', '103', '0.6667', '2.5s', '200M', '3.0M']);
    expect(one.startsWith('1 ')).toBe(true);
  });

  it('adds samples/s when the script logs it', () => {
    const state = replay([...trainingEvents(1), { type: 'message', at: T0, message: { type: 'progress', rank: 0, step: 10, time: T0, metrics: { samples_per_sec: 512 } } }]);
    const frame = strip(render(<RankTable ranks={rankViews(state)} now={T0} />).lastFrame()!);
    expect(frame).toContain('samples/s');
    expect(frame).toContain('512');
  });

  it('colours a stalled rank yellow and a failed one red with its exit code', () => {
    const state = replay([...trainingEvents(2), { type: 'stalled', rank: 0, seconds: 40, step: 20 }, { type: 'exited', rank: 1, exitCode: 3, signal: null }]);
    const frame = render(<RankTable ranks={rankViews(state)} now={T0} />).lastFrame()!;
    const [, zero, one] = frame.split('\n');
    expect(zero).toContain(`${YELLOW}`);
    expect(strip(zero)).toContain('stalled');
    expect(one).toContain(RED);
    expect(strip(one)).toContain('failed(3)');
    expect(statusText(rankViews(state)[1])).toBe('failed(3)');
    // A finished or failed rank has no heartbeat to age.
    expect(strip(one).split(/\s+/)[5]).toBe('-');
  });

  it('folds ranks beyond the rows it has into a count', () => {
    const state = replay(trainingEvents(1, [0, 1, 2, 3, 4, 5]));
    const frame = strip(render(<RankTable ranks={rankViews(state)} now={T0} maxRows={3} />).lastFrame()!);
    expect(frame.split('\n')).toHaveLength(4);
    expect(frame).toContain('… 4 more ranks');
  });
});
