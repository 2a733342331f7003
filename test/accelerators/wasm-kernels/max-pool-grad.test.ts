import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { relativeError } from './stock-vs-ours.js';
import { expectWasmMatchesJs, normal } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

const CASES: Array<{ x: number[]; size: number | [number, number]; strides: number | [number, number]; pad: 'same' | 'valid' }> = [
  { x: [2, 6, 6, 3], size: 2, strides: 2, pad: 'valid' },
  { x: [2, 7, 7, 3], size: 3, strides: 2, pad: 'same' },
  { x: [1, 5, 8, 2], size: [2, 3], strides: [1, 2], pad: 'same' },
  { x: [3, 6, 6, 1], size: 3, strides: 1, pad: 'valid' },
];

/** maxPool's output and input gradient for a fixed upstream gradient. */
const poolAndGradient = ({ x, size, strides, pad }: (typeof CASES)[number]) => () => {
  const input = normal(x, 1);
  const pooled = tf.maxPool(input as tf.Tensor4D, size, strides, pad);
  const dy = normal(pooled.shape, 2);
  const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(v as tf.Tensor4D, size, strides, pad), dy)))(input);
  return tf.concat([pooled.flatten(), dx.flatten()]);
};

describe('MaxPoolGrad on wasm', () => {
  for (const c of CASES) {
    it(`equals the pure-JS kernel for x [${c.x}], size ${c.size}, strides ${c.strides}, pad ${c.pad}`, async () => {
      await expectWasmMatchesJs(poolAndGradient(c));
    });
  }

  it('sends a tied window its gradient once, to the first maximum, as TensorFlow does', async () => {
    await expectWasmMatchesJs(() => tf.grad((v: tf.Tensor) => tf.sum(tf.maxPool(v as tf.Tensor4D, 2, 2, 'valid')))(tf.ones([1, 4, 4, 2])));
  });

  it('replaces a stock kernel whose gradients are wrong (the reason it exists)', async () => {
    await tf.setBackend('wasm');
    restoreStockWasmKernels(tf);
    const stock = tf.tidy(() => poolAndGradient(CASES[0])().dataSync().slice());
    registerWasmKernels(tf);
    const ours = tf.tidy(() => poolAndGradient(CASES[0])().dataSync().slice());
    await tf.setBackend('cpu');
    const js = tf.tidy(() => poolAndGradient(CASES[0])().dataSync().slice());
    await tf.setBackend('wasm');
    expect(relativeError(ours as Float32Array, js as Float32Array)).toBeLessThan(1e-6);
    // If a tfjs upgrade fixes the stock kernel, this fails: then ours can go.
    expect(relativeError(stock as Float32Array, js as Float32Array)).toBeGreaterThan(0.1);
  });
});
