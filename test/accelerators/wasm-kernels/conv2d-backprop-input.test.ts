import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, it } from 'vitest';
import { createConv2DBackpropInput } from '../../../src/accelerators/wasm-kernels/conv2d-backprop-input.js';
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
];

describe('Conv2DBackpropInput on wasm', () => {
  for (const { x, filter, strides, pad } of CASES) {
    it(`equals the pure-JS kernel for x [${x}], filter [${filter}], strides ${strides}, pad ${JSON.stringify(pad)}`, async () => {
      await expectWasmMatchesJs(() => {
        const w = normal(filter, 2);
        const dy = tf.conv2d(normal(x, 1) as tf.Tensor4D, w as tf.Tensor4D, strides, pad);
        return runKernel('Conv2DBackpropInput', { dy: normal(dy.shape, 3), filter: w }, { strides, pad, dataFormat: 'NHWC', inputShape: x });
      });
    });
  }

  it('gives conv2d its input gradient and conv2dTranspose its forward pass and gradients', async () => {
    await expectWasmMatchesJs(() => {
      const x = normal([2, 6, 6, 2], 4);
      const w = normal([3, 3, 2, 4], 5);
      const dx = tf.grad((v: tf.Tensor) => tf.sum(tf.square(tf.conv2d(v as tf.Tensor4D, w as tf.Tensor4D, 2, 'same'))))(x);
      const small = normal([2, 3, 3, 4], 6);
      const up = tf.conv2dTranspose(small as tf.Tensor4D, w as tf.Tensor4D, [2, 6, 6, 2], 2, 'same');
      const [dSmall, dW] = tf.grads((s: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.conv2dTranspose(s as tf.Tensor4D, f as tf.Tensor4D, [2, 6, 6, 2], 2, 'same'))))([small, w]);
      return tf.concat([dx.flatten(), up.flatten(), dSmall.flatten(), dW.flatten()]);
    });
  });

  it('adds up chunks of images when the patches would be too large for one', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const stock = { BatchMatMul: tf.getKernel('BatchMatMul', 'wasm')!.kernelFunc, Transpose: tf.getKernel('Transpose', 'wasm')!.kernelFunc };
    const regular = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...regular, kernelFunc: createConv2DBackpropInput(stock, regular.kernelFunc, 200) });
    try {
      await expectWasmMatchesJs(() => runKernel('Conv2DBackpropInput', { dy: normal([5, 3, 3, 4], 8), filter: normal([3, 3, 2, 4], 9) }, { strides: 1, pad: 'valid', dataFormat: 'NHWC', inputShape: [5, 5, 5, 2] }));
    } finally {
      tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
      tf.registerKernel(regular);
    }
  });

  it('leaves NCHW to the pure-JS kernel and still answers', async () => {
    await expectWasmMatchesJs(() => runKernel('Conv2DBackpropInput', { dy: normal([2, 4, 4, 4], 10), filter: normal([3, 3, 3, 4], 11) }, { strides: 1, pad: 'valid', dataFormat: 'NCHW', inputShape: [2, 3, 6, 6] }));
  });
});
