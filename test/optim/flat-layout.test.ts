import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { chunkStart } from '../../src/collectives/chunks.js';
import { FlatLayout } from '../../src/optim/flat-layout.js';
import { ParamSet } from '../../src/wrappers/param-set.js';

describe('FlatLayout', () => {
  const layout = new FlatLayout(['a', 'b', 'c'], [[2, 3], [4], [1, 1]]);

  it('lays tensors end to end and cuts the same ranges reduceScatter does', () => {
    expect(layout.offsets).toEqual([0, 6, 10]);
    expect(layout.total).toBe(11);
    for (const world of [1, 2, 3, 4, 11, 12]) {
      const ranges = Array.from({ length: world }, (_, r) => layout.range(world, r));
      expect(ranges.map(([s]) => s)).toEqual(Array.from({ length: world }, (_, r) => chunkStart(11, world, r)));
      expect(ranges.at(-1)![1]).toBe(11);
    }
  });

  it('copies a range that cuts tensors in the middle, with missing tensors as zeros', () => {
    const values = [Float32Array.from([0, 1, 2, 3, 4, 5]), undefined, Float32Array.from([10])];
    expect(Array.from(layout.copyRange((i) => values[i], 4, 11))).toEqual([4, 5, 0, 0, 0, 0, 10]);
    expect(layout.pieces(4, 8)).toEqual([{ index: 0, from: 4, to: 6, at: 0 }, { index: 1, from: 0, to: 2, at: 2 }]);
  });

  it('gives back each tensor of a whole flat vector', () => {
    const seen: number[][] = [];
    layout.unflatten(Float32Array.from({ length: 11 }, (_, i) => i), (_, v) => seen.push(Array.from(v)));
    expect(seen).toEqual([[0, 1, 2, 3, 4, 5], [6, 7, 8, 9], [10]]);
  });

  it('covers the trainable parameters of a model only', () => {
    const trainable = tf.variable(tf.zeros([3]));
    const frozen = tf.variable(tf.zeros([5]), false);
    const of = FlatLayout.of(new ParamSet({ w: trainable, frozen }));
    expect(of.names).toEqual(['w']);
    expect(of.total).toBe(3);
    tf.dispose([trainable, frozen]);
  });
});
