import { describe, expect, it } from 'vitest';
import { callHook } from '../../src/callbacks/dispatch.js';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('callHook', () => {
  it('runs the hook on each callback in order, with the arguments and the callback as this', async () => {
    const calls: unknown[][] = [];
    class Recorder {
      constructor(readonly label: string) {}
      onEpochEnd(...args: unknown[]) {
        calls.push([this.label, ...args]);
      }
    }
    await callHook([new Recorder('a'), new Recorder('b')], 'onEpochEnd', [1, { loss: 2 }]);
    expect(calls).toEqual([
      ['a', 1, { loss: 2 }],
      ['b', 1, { loss: 2 }],
    ]);
  });

  it('awaits each async hook before starting the next', async () => {
    const events: string[] = [];
    const slow = {
      async onFit() {
        events.push('slow start');
        await tick(20);
        events.push('slow end');
      },
    };
    const fast = {
      onFit() {
        events.push('fast');
      },
    };
    const pending = callHook([slow, fast], 'onFit', []);
    expect(events).toEqual(['slow start']);
    await pending;
    expect(events).toEqual(['slow start', 'slow end', 'fast']);
  });

  it('skips callbacks without the hook or where the name is not a function', async () => {
    const events: string[] = [];
    await callHook([{}, { onStep: 'not a function' }, { onStep: () => events.push('ran') }], 'onStep', []);
    expect(events).toEqual(['ran']);
  });

  it('stops at the first hook that throws and passes its error on', async () => {
    const events: string[] = [];
    const failing = {
      async onStep() {
        throw new Error('hook failed');
      },
    };
    await expect(callHook([failing, { onStep: () => events.push('after') }], 'onStep', [])).rejects.toThrow('hook failed');
    expect(events).toEqual([]);
  });
});
