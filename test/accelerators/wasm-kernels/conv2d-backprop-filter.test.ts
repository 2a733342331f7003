import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { createConv2DBackpropFilter } from '../../../src/accelerators/wasm-kernels/conv2d-backprop-filter.js';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { expectWasmMatchesJs, normal, runKernel } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
const CASES: Array<{ x: number[]; filter: number[]; strides: number | [number, number]; pad: Pad }> = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  { x: [3, 9, 8, 2], filter: [3, 2, 2, 5], strides: [2, 3], pad: 'same' },
  { x: [1, 10, 10, 4], filter: [5, 5, 4, 2], strides: 2, pad: 'valid' },
  { x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { x: [4, 28, 28, 1], filter: [3, 3, 1, 8], strides: 1, pad: 'valid' },
];

describe('Conv2DBackpropFilter on wasm', () => {
  for (const { x, filter, strides, pad } of CASES) {
    it(`equals the pure-JS kernel for x [${x}], filter [${filter}], strides ${strides}, pad ${JSON.stringify(pad)}`, async () => {
      await expectWasmMatchesJs(() => {
        const input = normal(x, 1);
        const dy = tf.conv2d(input as tf.Tensor4D, normal(filter, 2) as tf.Tensor4D, strides, pad);
        return runKernel('Conv2DBackpropFilter', { x: input, dy: normal(dy.shape, 3) }, { strides, pad, dataFormat: 'NHWC', filterShape: filter });
      });
    });
  }

  it('gives conv2d and conv2dTranspose the filter gradients of the pure-JS backend', async () => {
    await expectWasmMatchesJs(() => {
      const w = normal([3, 3, 2, 4], 4);
      const conv = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2d(normal([2, 6, 6, 2], 5) as tf.Tensor4D, f as tf.Tensor4D, 2, 'same'))))(w);
      const transposed = tf.grad((f: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(normal([2, 3, 3, 4], 6) as tf.Tensor4D, f as tf.Tensor4D, [2, 6, 6, 2], 2, 'same'))))(w);
      return tf.concat([conv.flatten(), transposed.flatten()]);
    });
  });

  it('sums over chunks of images when the patches would be too large for one', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const stock = { BatchMatMul: tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc, Transpose: tf.getKernel('Transpose', 'wasm')!.kernelFunc };
    const regular = tf.getKernel('Conv2DBackpropFilter', 'wasm')!;
    tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
    // A limit of 200 numbers: one 5x5x2 image with a 3x3 filter has 9 positions x 18 = 162, so each chunk holds one image.
    tf.registerKernel({ ...regular, kernelFunc: createConv2DBackpropFilter(stock, regular.kernelFunc, 200) });
    try {
      await expectWasmMatchesJs(() => {
        const x = normal([5, 5, 5, 2], 7);
        return runKernel('Conv2DBackpropFilter', { x, dy: normal([5, 3, 3, 4], 8) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 2, 4] });
      });
    } finally {
      tf.unregisterKernel('Conv2DBackpropFilter', 'wasm');
      tf.registerKernel(regular);
    }
  });

  it('leaves NCHW to the pure-JS kernel and still answers', async () => {
    await expectWasmMatchesJs(() => runKernel('Conv2DBackpropFilter', { x: normal([2, 3, 6, 6], 9), dy: normal([2, 4, 4, 4], 10) }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', filterShape: [3, 3, 3, 4] }));
    expect(tf.getBackend()).toBe('wasm');
  });
});
