import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { computeThreeWays, expectMatchesStock } from './stock-vs-ours.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

const buffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

describe('Cast on wasm', () => {
  it('matches the stock kernel for same-dtype and real conversions', async () => {
    const result = await computeThreeWays(() => {
      const x = tf.tensor1d([-2.7, -0.5, 0, 0.5, 1.5, 3.9]);
      // (bool is left out: the stock wasm Cast wraps negative numbers instead of testing for non-zero, unlike the JS backend.)
      return tf.concat([tf.cast(x, 'float32'), tf.cast(tf.cast(x, 'int32'), 'float32')]);
    });
    expectMatchesStock(result);
  });

  it('shares the buffer when the dtype does not change, and copies when it does', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const x = tf.tensor1d([1, 2, 3]);
    const before = buffers();
    const same = tf.cast(x, 'float32');
    expect(buffers()).toBe(before);
    const converted = tf.cast(x, 'int32');
    expect(buffers()).toBe(before + 1);
    expect(converted.dtype).toBe('int32');
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1, 2, 3]);
    tf.dispose([same, converted]);
  });
});
