import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { SingleDeviceStrategy } from '../../src/strategies/single-device.js';
import type { ReduceOp, Strategy } from '../../src/strategies/strategy.js';

describe('SingleDeviceStrategy', () => {
  const strategy: Strategy = new SingleDeviceStrategy();

  it('is rank 0 of 1 and keeps the name it is given', () => {
    expect(strategy.name).toBe('single_device');
    expect(strategy.worldSize).toBe(1);
    expect(strategy.globalRank).toBe(0);
    expect(new SingleDeviceStrategy('ddp').name).toBe('ddp');
  });

  it('allReduce returns a new tensor equal to the input for every op', async () => {
    const x = tf.tensor2d([[1, -2], [3.5, 4]]);
    for (const op of ['sum', 'mean', 'max', 'min'] as ReduceOp[]) {
      const reduced = await strategy.allReduce(x, op);
      expect(reduced).not.toBe(x);
      expect(reduced.shape).toEqual([2, 2]);
      expect(reduced.arraySync()).toEqual([[1, -2], [3.5, 4]]);
      reduced.dispose();
      expect(x.isDisposed).toBe(false);
    }
    x.dispose();
  });

  it('allGather stacks the one tensor along a new first axis', async () => {
    const x = tf.tensor1d([1, 2, 3], 'int32');
    const gathered = await strategy.allGather(x);
    expect(gathered.shape).toEqual([1, 3]);
    expect(gathered.dtype).toBe('int32');
    expect(gathered.arraySync()).toEqual([[1, 2, 3]]);
    tf.dispose([x, gathered]);
  });

  it('broadcast from rank 0 returns the value; any other source does not exist', async () => {
    const value = { step: 3 };
    expect(await strategy.broadcast(value, 0)).toBe(value);
    await expect(strategy.broadcast(value, 1)).rejects.toThrow(/source rank 1 does not exist/);
  });

  it('barrier, gradient reduction and teardown resolve without touching anything', async () => {
    const grad = tf.tensor1d([1, 2]);
    const grads = new Map([['w', grad]]);
    await expect(strategy.reduceGradients(grads)).resolves.toBeUndefined();
    expect(grads.get('w')).toBe(grad);
    expect(Array.from(grad.dataSync())).toEqual([1, 2]);
    await expect(strategy.barrier('x')).resolves.toBeUndefined();
    await expect(strategy.teardown()).resolves.toBeUndefined();
    grad.dispose();
  });
});

describe('createStrategy on one rank', () => {
  it('accepts single_device and every data-parallel name', async () => {
    const { createStrategy } = await import('../../src/strategies/registry.js');
    const environment = { name: 'local', worldSize: 1, globalRank: 0, localRank: 0, nodeRank: 0, mainAddress: '127.0.0.1', mainPort: undefined };
    for (const name of ['auto', 'single_device', 'ddp', 'fsdp', 'deepspeed_stage_2']) {
      expect(createStrategy(name, { environment, token: null, collectiveTimeoutMs: 1000 }).worldSize).toBe(1);
    }
  });
});
