import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, it } from 'vitest';
import { restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { expectWasmMatchesJs, normal } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

describe('UnsortedSegmentSum on wasm', () => {
  it('sums rows per segment like the pure-JS kernel, dropping ids out of range', async () => {
    await expectWasmMatchesJs(() => tf.unsortedSegmentSum(normal([7, 3, 2], 1), tf.tensor1d([4, 0, 4, -1, 2, 9, 0], 'int32'), 5));
  });

  it('takes segment ids of higher rank, as TensorFlow does', async () => {
    // (The pure-JS kernel fails on them, so the reference flattens the ids and the leading axes of x.)
    const ids = [[0, 1, 1], [2, 0, 3]];
    await expectWasmMatchesJs(
      () => tf.unsortedSegmentSum(normal([2, 3, 4], 2), tf.tensor2d(ids, [2, 3], 'int32') as unknown as tf.Tensor1D, 4),
      () => tf.unsortedSegmentSum(normal([2, 3, 4], 2).reshape([6, 4]), tf.tensor1d(ids.flat(), 'int32'), 4),
    );
  });

  it('gives gather (any axis, repeated indices) and layers.embedding their gradients', async () => {
    await expectWasmMatchesJs(() => {
      const table = normal([20, 6], 3);
      const indices = tf.tensor2d([[1, 2, 3, 1], [19, 0, 1, 2]], [2, 4], 'int32');
      const rows = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, indices))))(table);
      const columns = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.gather(t, tf.tensor1d([5, 0, 5], 'int32'), 1))))(table);
      const embedding = tf.layers.embedding({ inputDim: 20, outputDim: 6, embeddingsInitializer: tf.initializers.randomNormal({ seed: 4 }) });
      const ids = tf.tensor2d([[3, 3, 7], [0, 19, 3]], [2, 3], 'float32');
      embedding.build([2, 3]);
      const weights = embedding.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(embedding.apply(ids) as tf.Tensor)) as tf.Scalar, weights);
      const flat = tf.concat([rows.flatten(), columns.flatten(), ...weights.map((w) => grads[w.name].flatten())]);
      weights.forEach((w) => w.dispose());
      return flat;
    });
  });

  it('leaves int32 values to the pure-JS kernel', async () => {
    await expectWasmMatchesJs(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([1, 0, 1, 1], 'int32'), 2).toFloat());
  });
});
