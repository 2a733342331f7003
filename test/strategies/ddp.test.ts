/** DdpStrategy over real process groups: 2 and 3 ranks in this process, each with its own strategy. */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { DdpStrategy } from '../../src/strategies/ddp.js';
import { ParamSet } from '../../src/wrappers/param-set.js';
import { freePort } from '../collectives/helpers.js';

async function startStrategies(worldSize: number, bucketBytes?: number): Promise<DdpStrategy[]> {
  const port = await freePort();
  const strategies = Array.from(
    { length: worldSize },
    (_, rank) =>
      new DdpStrategy(
        { name: 'local', worldSize, globalRank: rank, localRank: rank, nodeRank: 0, mainAddress: '127.0.0.1', mainPort: port },
        { token: 'ddp-test', timeoutMs: 20_000, bucketBytes },
      ),
  );
  await Promise.all(strategies.map((s) => s.setup()));
  running.push(...strategies);
  return strategies;
}

// The backend is the engine under test (test/helpers/engine-setup.ts): this file runs in projects wasm and native.
const running: DdpStrategy[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.teardown()));
});

describe('DdpStrategy', () => {
  it('gathers scalars into a vector (TensorFlow 2.21 cannot concatenate scalars; stacking them works)', async () => {
    const strategies = await startStrategies(2);
    const before = tf.memory().numTensors;
    const inputs = [tf.scalar(1), tf.scalar(2)];
    const gathered = await Promise.all(strategies.map((s, rank) => s.allGather(inputs[rank]!)));
    for (const g of gathered) expect([g.shape, Array.from(g.dataSync())]).toEqual([[2], [1, 2]]);
    tf.dispose([...inputs, ...gathered]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('starts every rank from rank 0 parameters', async () => {
    const strategies = await startStrategies(3);
    const params = strategies.map((_, rank) => new ParamSet({ w: tf.variable(tf.fill([2, 3], rank + 1)), b: tf.variable(tf.scalar(rank * 10)) }));
    await Promise.all(strategies.map((s, rank) => s.syncParams(params[rank])));
    for (const set of params) {
      expect(Array.from(set.variable('w')!.dataSync())).toEqual([1, 1, 1, 1, 1, 1]);
      expect(set.variable('b')!.dataSync()[0]).toBe(0);
    }
    params.forEach((p) => tf.dispose(p.variables));
  });

  it('averages gradients in place across ranks, in several buckets, without leaking tensors', async () => {
    const strategies = await startStrategies(2, 16);
    const before = tf.memory().numTensors;
    const grads = strategies.map((_, rank) => new Map<string, tf.Tensor>([
      ['a', tf.tensor1d([1, 2, 3, 4, 5].map((v) => v * (rank + 1)))],
      ['b', tf.tensor2d([[rank, rank], [rank, rank]])],
      ['c', tf.scalar(rank === 0 ? 2 : 4)],
    ]));
    await Promise.all(strategies.map((s, rank) => s.reduceGradients(grads[rank])));
    for (const map of grads) {
      expect(Array.from(map.get('a')!.dataSync())).toEqual([1.5, 3, 4.5, 6, 7.5]);
      expect(Array.from(map.get('b')!.dataSync())).toEqual([0.5, 0.5, 0.5, 0.5]);
      expect(map.get('b')!.shape).toEqual([2, 2]);
      expect(map.get('c')!.dataSync()[0]).toBe(3);
    }
    grads.forEach((m) => tf.dispose([...m.values()]));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('runs allReduce, allGather, allGatherList, reduceScatter and broadcast on tensors and JSON', async () => {
    const strategies = await startStrategies(2);
    const sums = await Promise.all(strategies.map((s, rank) => s.allReduce(tf.tensor1d([rank, 10], 'int32'), 'sum')));
    sums.forEach((t) => expect(Array.from(t.dataSync())).toEqual([1, 20]));
    const means = await Promise.all(strategies.map((s, rank) => s.allReduce(tf.tensor1d([rank, 3], 'int32'), 'mean')));
    means.forEach((t) => expect(Array.from(t.dataSync())).toEqual([0.5, 3]));
    const stacked = await Promise.all(strategies.map((s, rank) => s.allGather(tf.tensor1d([rank, rank + 1]))));
    stacked.forEach((t) => expect(t.arraySync()).toEqual([[0, 1], [1, 2]]));
    const lists = await Promise.all(strategies.map((s, rank) => s.allGatherList(tf.ones([rank + 1, 2]))));
    lists.forEach((parts) => expect(parts.map((p) => p.shape)).toEqual([[1, 2], [2, 2]]));
    const chunks = await Promise.all(strategies.map((s, rank) => s.reduceScatter(tf.tensor1d([1, 2, 3, 4, 5].map((v) => v + rank)), 'sum')));
    expect(Array.from(chunks[0].dataSync())).toEqual([3, 5, 7]);
    expect(Array.from(chunks[1].dataSync())).toEqual([9, 11]);
    const received = await Promise.all(strategies.map((s, rank) => s.broadcast(rank === 1 ? tf.tensor2d([[7, 8]]) : undefined, 1)));
    received.forEach((t) => expect((t as tf.Tensor).arraySync()).toEqual([[7, 8]]));
    const json = await Promise.all(strategies.map((s, rank) => s.broadcast(rank === 0 ? { lr: 0.1, tags: ['a'] } : null, 0)));
    json.forEach((v) => expect(v).toEqual({ lr: 0.1, tags: ['a'] }));
    tf.dispose([...sums, ...means, ...stacked, ...lists.flat(), ...chunks, ...(received as tf.Tensor[])]);
  });

  it('refuses to stack tensors of different shapes and points at allGatherList', async () => {
    const strategies = await startStrategies(2);
    const results = await Promise.allSettled(strategies.map((s, rank) => s.allGather(tf.ones([rank + 1]))));
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect(String((result as PromiseRejectedResult).reason)).toContain('allGatherList');
    }
  });

  it('sends 16-bit gradients (half the bytes of float32 at 2 ranks) and sums them in float32', async () => {
    const strategies = await startStrategies(2, 8);
    const before = tf.memory().numTensors;
    // 1 + 2^-9 is exact in bf16; 0.1 is not, so each rank contributes its bf16 rounding 0.10009765625.
    const local = [
      [1, 0.1, -3, 1000],
      [1 + 2 ** -7, 0.1, 5, 1e-3],
    ];
    const grads = strategies.map((_, rank) => new Map<string, tf.Tensor>([
      ['a', tf.tensor1d(local[rank].slice(0, 3))],
      ['b', tf.scalar(local[rank][3])],
    ]));
    await Promise.all(strategies.map((s, rank) => s.reduceGradients(grads[rank], { halfFormat: 'bf16' })));
    const bf16Bytes = strategies[0].gradientBytesSent;
    for (const map of grads) {
      expect(Array.from(map.get('a')!.dataSync())).toEqual([1 + 2 ** -8, 0.10009765625, 1]);
      // 1000 and 1e-3 round to 1000 and 0.00099945068359375 in bf16; their float32 mean:
      expect(map.get('b')!.dataSync()[0]).toBe(Math.fround((1000 + 0.00099945068359375) / 2));
    }
    grads.forEach((m) => tf.dispose([...m.values()]));

    const f16 = [3, 0.5].map((last) => new Map<string, tf.Tensor>([['a', tf.tensor1d([65504, 2 ** -24, last])]]));
    await Promise.all(strategies.map((s, rank) => s.reduceGradients(f16[rank], { halfFormat: 'f16' })));
    // The sum 131008 is past float16's range but is taken in float32, so the mean is exact.
    for (const map of f16) expect(Array.from(map.get('a')!.dataSync())).toEqual([65504, 2 ** -24, 1.75]);
    f16.forEach((m) => tf.dispose([...m.values()]));

    const f32 = strategies.map(() => new Map<string, tf.Tensor>([['a', tf.tensor1d([1, 2, 3])], ['b', tf.scalar(4)]]));
    const sentBefore = strategies[0].gradientBytesSent;
    await Promise.all(strategies.map((s, rank) => s.reduceGradients(f32[rank])));
    f32.forEach((m) => tf.dispose([...m.values()]));
    expect(bf16Bytes).toBe(8);
    expect(strategies[0].gradientBytesSent - sentBefore).toBe(2 * bf16Bytes);
    expect(tf.memory().numTensors).toBe(before);
  });
});
