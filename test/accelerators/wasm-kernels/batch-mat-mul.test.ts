import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { computeThreeWays, expectMatchesStock } from './stock-vs-ours.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Shapes of a and b as stored, for each pair of transpose flags. */
const CASES: Array<{ a: number[]; b: number[]; transposeA: boolean; transposeB: boolean }> = [
  { a: [5, 7], b: [7, 3], transposeA: false, transposeB: false },
  { a: [7, 5], b: [7, 3], transposeA: true, transposeB: false },
  { a: [5, 7], b: [3, 7], transposeA: false, transposeB: true },
  { a: [7, 5], b: [3, 7], transposeA: true, transposeB: true },
  // Layer-sized: dX = dY W^T (computed transposed) and dW = X^T dY (operand transposed).
  { a: [128, 512], b: [784, 512], transposeA: false, transposeB: true },
  { a: [128, 784], b: [128, 512], transposeA: true, transposeB: false },
  { a: [64, 33], b: [300, 64], transposeA: true, transposeB: true },
  // Batches, as attention uses them; rank 4 and a broadcast operand.
  { a: [3, 5, 7], b: [3, 7, 4], transposeA: false, transposeB: false },
  { a: [3, 7, 5], b: [3, 4, 7], transposeA: true, transposeB: true },
  { a: [2, 4, 16, 8], b: [2, 4, 16, 8], transposeA: false, transposeB: true },
  { a: [2, 4, 16, 16], b: [2, 4, 16, 8], transposeA: true, transposeB: false },
  { a: [1, 5, 7], b: [6, 7, 4], transposeA: false, transposeB: false },
  { a: [6, 7, 5], b: [7, 4], transposeA: true, transposeB: false },
];

describe('BatchMatMul on wasm', () => {
  for (const { a, b, transposeA, transposeB } of CASES) {
    it(`matches the stock kernel and the JS backend for [${a}] x [${b}], transposeA=${transposeA}, transposeB=${transposeB}`, async () => {
      const result = await computeThreeWays(() => tf.matMul(normal(a, 1), normal(b, 2), transposeA, transposeB));
      expectMatchesStock(result);
    });
  }

  it('gives the same gradients as the stock kernels for both operands', async () => {
    const result = await computeThreeWays(() => {
      const x = normal([4, 6, 9], 3);
      const w = normal([4, 9, 5], 4);
      const dy = normal([4, 6, 5], 5);
      const [dx, dw] = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.mul(tf.matMul(p, q), dy)))([x, w]);
      return tf.concat([dx.flatten(), dw.flatten()]);
    });
    expectMatchesStock(result);
  });

  it('leaves int32 products to the stock kernel', async () => {
    registerWasmKernels(tf);
    await tf.setBackend('wasm');
    // The stock wasm kernel refuses int32; ours must behave the same instead of computing something else.
    expect(() => tf.matMul(tf.ones([2, 2], 'int32'), tf.ones([2, 2], 'int32'), true, false).dataSync()).toThrow(/float32/);
  });

  it('rejects mismatched inner dimensions like the stock kernel', async () => {
    registerWasmKernels(tf);
    await tf.setBackend('wasm');
    expect(() => tf.matMul(tf.ones([3, 4]), tf.ones([5, 4]), true, true)).toThrow(/inner shapes/);
  });

  it('frees its intermediates and views: no tensors or wasm buffers left behind', async () => {
    registerWasmKernels(tf);
    await tf.setBackend('wasm');
    const a = normal([4, 8, 6], 6);
    const b = normal([4, 5, 6], 7);
    const backend = tf.backend() as unknown as { numDataIds(): number };
    tf.matMul(a, b, false, true).dispose();
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    for (let i = 0; i < 5; i++) {
      tf.tidy(() => [tf.matMul(a, b, false, true), tf.matMul(a.reshape([32, 6]), b.reshape([20, 6]), false, true)]).forEach((t) => t.dispose());
    }
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    tf.dispose([a, b]);
  });
});
