/** Both depthwise gradient kernels (filter and input) against the pure-JS backend. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, it } from 'vitest';
import { restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { expectWasmMatchesJs, normal, runKernel } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
// Channel multipliers 1-3; strides and dilations (tfjs allows one of them above 1 at a time).
const CASES: Array<{ x: number[]; filter: number[]; strides: number | [number, number]; dilations: number | [number, number]; pad: Pad }> = [
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 1], strides: 1, dilations: 1, pad: 'same' },
  { x: [2, 7, 7, 3], filter: [3, 3, 3, 2], strides: 1, dilations: 1, pad: 'valid' },
  { x: [3, 9, 8, 2], filter: [3, 2, 2, 3], strides: [2, 3], dilations: 1, pad: 'same' },
  { x: [1, 9, 9, 4], filter: [3, 3, 4, 2], strides: 1, dilations: 2, pad: 'valid' },
  { x: [2, 8, 8, 2], filter: [2, 3, 2, 2], strides: 1, dilations: [2, 1], pad: 'same' },
  { x: [2, 6, 5, 3], filter: [3, 3, 3, 2], strides: 1, dilations: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
];

/** The filter with dilation-1 zeros between its taps: a dilated convolution equals an undilated one with it. */
function spreadFilter(filter: tf.Tensor, [dh, dw]: [number, number]): tf.Tensor {
  const [kh, kw, c, m] = filter.shape;
  const spread = tf.buffer([(kh - 1) * dh + 1, (kw - 1) * dw + 1, c, m]);
  const values = filter.dataSync();
  for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let k = 0; k < c * m; k++) spread.set(values[(i * kw + j) * c * m + k], i * dh, j * dw, Math.floor(k / m), k % m);
  return spread.toTensor();
}

describe('DepthwiseConv2dNative gradients on wasm', () => {
  for (const { x, filter, strides, dilations, pad } of CASES) {
    const what = `x [${x}], filter [${filter}], strides ${strides}, dilations ${dilations}, pad ${JSON.stringify(pad)}`;
    const dyShape = () => tf.depthwiseConv2d(tf.zeros<tf.Rank>(x) as tf.Tensor4D, tf.zeros<tf.Rank>(filter) as tf.Tensor4D, strides, pad, 'NHWC', dilations).shape;
    // The pure-JS kernels ignore dilations (tfjs's gradients allow only 1), so a dilated case is checked against the
    // undilated kernel with the zero-spread filter, which computes the same convolution.
    const d: [number, number] = typeof dilations === 'number' ? [dilations, dilations] : dilations;
    const spreadShape = [(filter[0] - 1) * d[0] + 1, (filter[1] - 1) * d[1] + 1, filter[2], filter[3]];

    it(`filter gradient equals the pure-JS kernel for ${what}`, async () => {
      const attrs = { strides, pad, dilations, filterShape: filter };
      await expectWasmMatchesJs(
        () => runKernel('DepthwiseConv2dNativeBackpropFilter', { x: normal(x, 1), dy: normal(dyShape(), 2) }, attrs),
        () => {
          const spread = runKernel('DepthwiseConv2dNativeBackpropFilter', { x: normal(x, 1), dy: normal(dyShape(), 2) }, { ...attrs, dilations: 1, filterShape: spreadShape });
          return tf.stridedSlice(spread, [0, 0, 0, 0], spread.shape, [d[0], d[1], 1, 1]);
        },
      );
    });

    it(`input gradient equals the pure-JS kernel for ${what}`, async () => {
      const attrs = { strides, pad, dilations, inputShape: x };
      await expectWasmMatchesJs(
        () => runKernel('DepthwiseConv2dNativeBackpropInput', { dy: normal(dyShape(), 3), filter: normal(filter, 4) }, attrs),
        () => runKernel('DepthwiseConv2dNativeBackpropInput', { dy: normal(dyShape(), 3), filter: spreadFilter(normal(filter, 4), d) }, { ...attrs, dilations: 1 }),
      );
    });
  }

  it('gives depthwiseConv2d and separableConv2d the gradients of the pure-JS backend', async () => {
    await expectWasmMatchesJs(() => {
      const x = normal([2, 6, 6, 3], 5);
      const depthwise = normal([3, 3, 3, 2], 6);
      const pointwise = normal([1, 1, 6, 4], 7);
      const loss = (v: tf.Tensor, d: tf.Tensor, p: tf.Tensor) =>
        tf.sum(tf.square(tf.separableConv2d(v as tf.Tensor4D, d as tf.Tensor4D, p as tf.Tensor4D, 2, 'same')));
      return tf.concat(tf.grads(loss)([x, depthwise, pointwise]).map((g) => g.flatten()));
    });
  });
});
