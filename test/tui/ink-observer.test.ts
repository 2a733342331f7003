import { afterEach, describe, expect, it, vi } from 'vitest';
import { InkObserver } from '../../src/tui/ink-observer.js';
import { FakeStdin, FakeStdout } from './fake-terminal.js';
import { endInfo, startInfo, T0 } from './fixtures.js';

const tick = (ms = 30) => new Promise((resolve) => setTimeout(resolve, ms));
let observer: InkObserver | undefined;
afterEach(() => observer?.unmount());

function start(maxFps = 10) {
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  observer = new InkObserver({ stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream, maxFps, now: () => T0 + 3000, cwd: '/' });
  const supervisor = { interrupt: vi.fn() };
  observer.attach(supervisor);
  observer.runStarted(startInfo());
  return { stdout, stdin, supervisor, observer };
}

describe('InkObserver', () => {
  it('turns launcher callbacks into store events', () => {
    const { observer } = start();
    observer.rankMessage({ type: 'start', rank: 0, backend: 'wasm', time: T0 });
    observer.rankMessage({ type: 'progress', rank: 0, step: 5, time: T0, metrics: { loss: 0.5 }, stepsPerSecond: 12 });
    observer.rankLine(1, 'hello from one');
    observer.rankStalled(1, 31, 4);
    observer.notice('a notice');
    observer.rankExited(0, 0, null);
    const state = observer.current;
    expect(state.ranks[0]).toMatchObject({ backend: 'wasm', step: 5, status: 'finished', lastSeen: T0 + 3000 });
    expect(state.ranks[1].status).toBe('stalled');
    expect(state.logs[1]).toEqual(['hello from one']);
    expect(state.notices).toEqual(['a notice']);
    observer.rankResponsive(1);
    expect(observer.current.ranks[1].status).toBe('running');
  });

  it('asks the supervisor to stop on q and on Ctrl+C, as a first and second SIGINT', async () => {
    const { stdin, supervisor, observer } = start();
    await tick();
    stdin.press('q');
    await tick();
    expect(supervisor.interrupt).toHaveBeenCalledWith('SIGINT');
    expect(observer.current.stopping).toBe(true);
    stdin.press('\x03');
    await tick();
    expect(supervisor.interrupt).toHaveBeenCalledTimes(2);
  });

  it('batches a flood of lines into a few redraws', async () => {
    const { stdout, observer } = start(10);
    await tick(150);
    const before = stdout.chunks.length;
    for (let i = 0; i < 2000; i++) observer.rankLine(0, `line ${i}`);
    await tick(150);
    // One or two timer redraws, not 2000 (under CI=true Ink writes nothing until the end).
    expect(stdout.chunks.length - before).toBeLessThanOrEqual(4);
  });

  it('draws the summary last and lets go of the terminal', async () => {
    const { stdout, observer } = start();
    observer.rankMessage({ type: 'progress', rank: 0, step: 7, time: T0, metrics: { loss: 0.25 } });
    observer.rankExited(0, 0, null);
    observer.rankExited(1, 0, null);
    observer.runEnded(endInfo({ seconds: 12 }));
    await tick();
    expect(stdout.text).toContain('Run finished in 12s');
    expect(stdout.text).toContain('loss 0.2500 (min, step 7)');
    expect(stdout.listenerCount('resize')).toBe(0);
    const after = stdout.chunks.length;
    await tick(1200);
    expect(stdout.chunks.length).toBe(after);
  });
});
