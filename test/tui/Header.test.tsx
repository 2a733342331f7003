import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { etaSeconds, Header } from '../../src/tui/Header.js';
import { endInfo, replay, startInfo, T0, trainingEvents } from './fixtures.js';

describe('Header', () => {
  it('names the run and how it runs, with the elapsed time', () => {
    const state = replay(trainingEvents(3));
    const frame = render(<Header state={state} now={T0 + 65_000} />).lastFrame()!;
    expect(frame).toContain('tfjs-fabric demo/version_2');
    expect(frame).toContain('script train.ts');
    expect(frame).toContain('cpu (wasm) · ddp · bf16-mixed · 2 ranks');
    expect(frame).toContain('elapsed 1m05s');
    expect(frame).not.toContain('ETA');
  });

  it('shows an ETA and the step count when the run length is known', () => {
    const state = replay([...trainingEvents(3), { type: 'message', at: T0, message: { type: 'progress', rank: 0, step: 100, time: T0, metrics: {}, stepsPerSecond: 10, totalSteps: 400 } }]);
    expect(etaSeconds(state)).toBe(30);
    const frame = render(<Header state={state} now={T0 + 1000} />).lastFrame()!;
    expect(frame).toContain('ETA 30s');
    expect(frame).toContain('step 100/400');
  });

  it('uses the run time from the summary once the run ended, and says when it is stopping', () => {
    const stopping = replay([...trainingEvents(1), { type: 'stopRequested' }]);
    expect(render(<Header state={stopping} now={T0} />).lastFrame()).toContain('stopping');
    const ended = replay([...trainingEvents(1), { type: 'ended', summary: endInfo({ seconds: 3725 }) }]);
    expect(render(<Header state={ended} now={T0 + 10 ** 9} />).lastFrame()).toContain('elapsed 1h02m05s');
  });

  it('says it is waiting before the run starts, and names one rank in the singular', () => {
    expect(render(<Header state={replay([])} now={T0} />).lastFrame()).toContain('waiting');
    const one = replay([{ type: 'started', info: startInfo({ worldSize: 1, localRanks: [0] }) }]);
    expect(render(<Header state={one} now={T0} />).lastFrame()).toContain('1 rank ');
  });

  it("shows how 'auto' strategy resolves for the run's world size", () => {
    const many = replay([{ type: 'started', info: startInfo({ config: { accelerator: 'auto', strategy: 'auto', precision: '32-true' } }) }]);
    expect(render(<Header state={many} now={T0} />).lastFrame()).toContain('auto · auto→ddp · 32-true · 2 ranks');
    const one = replay([{ type: 'started', info: startInfo({ worldSize: 1, localRanks: [0], config: { accelerator: 'cpu', strategy: 'auto', precision: '32-true' } }) }]);
    expect(render(<Header state={one} now={T0} />).lastFrame()).toContain('auto→single_device');
  });
});
