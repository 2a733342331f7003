import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { computeThreeWays, expectMatchesStock } from './stock-vs-ours.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('Identity on wasm', () => {
  it('gives the same values as the stock kernel (clone, and the gradients that use Identity)', async () => {
    const result = await computeThreeWays(() => {
      const x = tf.randomNormal([6, 5], 0, 1, 'float32', 1);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.clone(v), tf.clone(v))))(x);
      return tf.concat([tf.clone(x).flatten(), g.flatten()]);
    });
    expectMatchesStock(result);
  });

  it('shares the buffer: the clone outlives the original, and the memory goes when both are gone', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const before = buffers();
    const x = tf.tensor1d([1, 2, 3]);
    const copy = tf.clone(x);
    expect(buffers()).toBe(before + 1);
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3]);
    copy.dispose();
    expect(buffers()).toBe(before);
  });

  it('leaves strings to the stock kernel', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const s = tf.tensor1d(['a', 'b'], 'string');
    expect(await tf.clone(s).array()).toEqual(['a', 'b']);
    s.dispose();
  });
});
