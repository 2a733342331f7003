import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tensorDataLoader } from '../../src/data/tensor-dataset.js';

let xs: tf.Tensor2D;
let ys: tf.Tensor1D;

beforeAll(() => {
  xs = tf.tensor2d(Array.from({ length: 10 }, (_, i) => [i, i * 10]));
  ys = tf.tensor1d(Array.from({ length: 10 }, (_, i) => i), 'int32');
});
afterAll(() => tf.dispose([xs, ys]));

describe('tensorDataLoader', () => {
  it('gathers the rows of each batch from every tensor, keeping dtypes', () => {
    const loader = tensorDataLoader([xs, ys], { batchSize: 4 });
    const seen: { x: number[][]; y: number[]; dtype: string }[] = [];
    for (const [x, y] of loader) seen.push({ x: x.arraySync() as number[][], y: y.arraySync() as number[], dtype: y.dtype });
    expect(seen.map((b) => b.y)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    expect(seen[2].x).toEqual([[8, 80], [9, 90]]);
    expect(seen.every((b) => b.dtype === 'int32')).toBe(true);
  });

  it('keeps rows of different tensors aligned when shuffled', () => {
    const loader = tensorDataLoader([xs, ys], { batchSize: 3, shuffle: true, seed: 2 });
    const order: number[] = [];
    for (const [x, y] of loader) {
      const rows = x.arraySync() as number[][];
      const labels = y.arraySync() as number[];
      rows.forEach((row, i) => expect(row).toEqual([labels[i], labels[i] * 10]));
      order.push(...labels);
    }
    expect(order).not.toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect([...order].sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
  });

  it('frees each batch as the loop advances, so the tensor count stays flat', async () => {
    const loader = tensorDataLoader([xs, ys], { batchSize: 2 });
    const start = tf.memory().numTensors;
    for (let epoch = 0; epoch < 3; epoch++) {
      for (const batch of loader) {
        expect(batch.every((t) => !t.isDisposed)).toBe(true);
        expect(tf.memory().numTensors).toBe(start + 2);
      }
      expect(tf.memory().numTensors).toBe(start);
    }
    for await (const _batch of loader) expect(tf.memory().numTensors).toBe(start + 2);
    expect(tf.memory().numTensors).toBe(start);
    for (const _batch of loader) break;
    expect(tf.memory().numTensors).toBe(start);
  });

  it('disposes the previous batch tensors', () => {
    const loader = tensorDataLoader([xs], { batchSize: 5 });
    const batches: tf.Tensor[] = [];
    for (const [x] of loader) {
      if (batches.length) expect(batches[batches.length - 1].isDisposed).toBe(true);
      batches.push(x);
    }
    expect(batches.map((b) => b.isDisposed)).toEqual([true, true]);
  });

  it('needs tensors with the same first dimension', () => {
    const short = tf.zeros([3]);
    expect(() => tensorDataLoader([xs, short], { batchSize: 2 })).toThrow(/same first dimension.*\[10,2\] and \[3\]/);
    short.dispose();
    expect(() => tensorDataLoader([] as tf.Tensor[], { batchSize: 2 })).toThrow(TypeError);
  });
});
