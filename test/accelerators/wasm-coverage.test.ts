/**
 * Kernel coverage on wasm: every tfjs-layers layer type with weights or a gradient, and the ops the templates and
 * README use, give on wasm (our kernels registered, as Fabric does) the forward values and gradients of the pure-JS
 * backend within float32 rounding, and none of them needs the slow pure-JS fallback. A layer whose kernel goes
 * missing from wasm fails here by name.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { describeWasmKernelCoverage, registerWasmKernels, restoreStockWasmKernels } from '../../src/accelerators/wasm-kernels/index.js';
import { expectWasmMatchesJs } from './wasm-kernels/wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

interface LayerCase {
  /** Input shape without the batch axis. */
  input: number[];
  layers: () => tf.layers.Layer[];
  /** The same function in other ops, for the pure-JS side where its own kernel is wrong (weightless layers only). */
  reference?: (x: tf.Tensor) => tf.Tensor;
  /** Kernels this case may run on the pure-JS fallback (stock wasm gets them wrong; see wasm-kernels/index.ts). */
  fallback?: string[];
  /** tfjs has no gradient for it on any backend: compare the forward pass only. */
  forwardOnly?: boolean;
  /** Integer ids below this instead of normal values (embedding); the input then gets no gradient. */
  ids?: number;
  /** Apply in training mode (dropout, batch statistics). */
  training?: boolean;
}

const BATCH = 2;

const LAYERS: Record<string, LayerCase> = {
  dense: { input: [5], layers: () => [tf.layers.dense({ units: 3, activation: 'relu' })] },
  conv1d: { input: [7, 3], layers: () => [tf.layers.conv1d({ filters: 4, kernelSize: 3, strides: 2, padding: 'same' })] },
  conv2d: { input: [6, 6, 2], layers: () => [tf.layers.conv2d({ filters: 3, kernelSize: 3, padding: 'valid', activation: 'tanh' })] },
  'conv2d strided same': { input: [7, 7, 2], layers: () => [tf.layers.conv2d({ filters: 3, kernelSize: [3, 2], strides: 2, padding: 'same' })] },
  conv3d: { input: [4, 4, 4, 2], fallback: ['Conv3DBackpropInputV2'], layers: () => [tf.layers.conv3d({ filters: 3, kernelSize: 2, padding: 'same' })] },
  separableConv2d: { input: [6, 6, 3], layers: () => [tf.layers.separableConv2d({ filters: 4, kernelSize: 3, depthMultiplier: 2, padding: 'same' })] },
  depthwiseConv2d: { input: [6, 6, 3], layers: () => [tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, strides: 2, padding: 'valid' })] },
  conv2dTranspose: { input: [3, 3, 4], layers: () => [tf.layers.conv2dTranspose({ filters: 2, kernelSize: 3, strides: 2, padding: 'same' })] },
  conv3dTranspose: { input: [2, 2, 2, 3], forwardOnly: true, fallback: ['Conv3DBackpropInputV2'], layers: () => [tf.layers.conv3dTranspose({ filters: 2, kernelSize: 2, strides: 2, padding: 'same' })] },
  embedding: { input: [4], ids: 10, layers: () => [tf.layers.embedding({ inputDim: 10, outputDim: 3 }), tf.layers.flatten()] },
  simpleRNN: { input: [4, 3], layers: () => [tf.layers.simpleRNN({ units: 5, returnSequences: true })] },
  lstm: { input: [4, 3], layers: () => [tf.layers.lstm({ units: 5 })] },
  gru: { input: [4, 3], layers: () => [tf.layers.gru({ units: 5, returnSequences: true })] },
  bidirectional: { input: [4, 3], layers: () => [tf.layers.bidirectional({ layer: tf.layers.lstm({ units: 2 }) as tf.RNN })] },
  convLstm2d: { input: [2, 4, 4, 2], layers: () => [tf.layers.convLstm2d({ filters: 2, kernelSize: 3, padding: 'same' })] },
  timeDistributed: { input: [3, 4], layers: () => [tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2 }) })] },
  batchNormalization: { input: [4, 4, 3], training: true, layers: () => [tf.layers.batchNormalization()] },
  'batchNormalization inference': { input: [5], layers: () => [tf.layers.batchNormalization()] },
  layerNormalization: { input: [3, 6], layers: () => [tf.layers.layerNormalization()] },
  maxPooling1d: { input: [8, 2], layers: () => [tf.layers.maxPooling1d({ poolSize: 2 })] },
  averagePooling1d: { input: [8, 2], layers: () => [tf.layers.averagePooling1d({ poolSize: 3, strides: 2, padding: 'same' })] },
  maxPooling2d: { input: [6, 6, 2], layers: () => [tf.layers.maxPooling2d({ poolSize: 2 })] },
  averagePooling2d: { input: [6, 6, 2], layers: () => [tf.layers.averagePooling2d({ poolSize: 3, strides: 2, padding: 'same' })] },
  maxPooling3d: { input: [4, 4, 4, 2], layers: () => [tf.layers.maxPooling3d({ poolSize: 2 })] },
  averagePooling3d: { input: [4, 4, 4, 2], layers: () => [tf.layers.averagePooling3d({ poolSize: 2 })] },
  globalAveragePooling1d: { input: [5, 3], layers: () => [tf.layers.globalAveragePooling1d()] },
  globalMaxPooling1d: { input: [5, 3], layers: () => [tf.layers.globalMaxPooling1d()] },
  globalAveragePooling2d: { input: [4, 4, 3], layers: () => [tf.layers.globalAveragePooling2d({})] },
  globalMaxPooling2d: { input: [4, 4, 3], layers: () => [tf.layers.globalMaxPooling2d({})] },
  // The pure-JS ResizeNearestNeighborGrad is wrong (wasm agrees with TensorFlow): the reference repeats pixels by reshapes.
  upSampling2d: {
    input: [3, 3, 2],
    layers: () => [tf.layers.upSampling2d({ size: [2, 2] })],
    reference: (x) => {
      const wide = tf.reshape(x, [BATCH, 3, 3, 1, 2]);
      const tall = tf.reshape(tf.concat([wide, wide], 3), [BATCH, 3, 1, 6, 2]);
      return tf.reshape(tf.concat([tall, tall], 2), [BATCH, 6, 6, 2]);
    },
  },
  'upSampling2d bilinear': { input: [3, 3, 2], layers: () => [tf.layers.upSampling2d({ size: [2, 2], interpolation: 'bilinear' })] },
  zeroPadding2d: { input: [3, 3, 2], layers: () => [tf.layers.zeroPadding2d({ padding: 1 })] },
  cropping2D: { input: [5, 5, 2], layers: () => [tf.layers.cropping2D({ cropping: [[1, 0], [0, 2]] })] },
  dropout: { input: [12], training: true, layers: () => [tf.layers.dropout({ rate: 0.5, seed: 7 })] },
  spatialDropout1d: { input: [4, 3], training: true, layers: () => [tf.layers.spatialDropout1d({ rate: 0.5, seed: 7 })] },
  'activations (elu, selu, sigmoid, softplus, softsign, swish, mish, gelu)': {
    input: [6],
    layers: () => (['elu', 'selu', 'sigmoid', 'softplus', 'softsign', 'swish', 'mish', 'gelu', 'hardSigmoid', 'relu6', 'linear'] as const).map((activation) => tf.layers.activation({ activation })),
  },
  // (thresholdedReLU is left out: tfjs has no gradient for its Greater on any backend.)
  'activation layers (softmax, leakyReLU, prelu, reLU, elu)': {
    input: [6],
    layers: () => [tf.layers.leakyReLU({ alpha: 0.2 }), tf.layers.prelu({ alphaInitializer: 'ones' }), tf.layers.elu(), tf.layers.reLU({ maxValue: 2 }), tf.layers.softmax()],
  },
  'reshape, permute, repeatVector, flatten': {
    input: [6],
    layers: () => [tf.layers.reshape({ targetShape: [2, 3] }), tf.layers.permute({ dims: [2, 1] }), tf.layers.flatten(), tf.layers.repeatVector({ n: 2 }), tf.layers.flatten()],
  },
};

/** Values in [-0.5, 0.5) for every weight (batch-norm variances in [0.5, 1.5)), the same on every backend. */
function seedWeights(model: tf.LayersModel): void {
  model.setWeights(
    model.weights.map((w, i) => (/variance/.test(w.name) ? tf.randomUniform(w.shape as number[], 0.5, 1.5, 'float32', 100 + i) : tf.randomUniform(w.shape as number[], -0.5, 0.5, 'float32', 100 + i))),
  );
}

/**
 * Output, every weight's gradient and (for float inputs) the input's gradient of sum(output * fixed weights);
 * `useReference` computes the layer with the case's reference ops instead.
 */
function layerForwardAndGradients(spec: LayerCase, useReference = false): tf.Tensor {
  const model = tf.sequential();
  spec.layers().forEach((layer, i) => {
    if (i === 0) (layer as unknown as { batchInputShape: number[] }).batchInputShape = [BATCH, ...spec.input];
    model.add(layer);
  });
  seedWeights(model);
  const shape = [BATCH, ...spec.input];
  const x = spec.ids ? tf.randomUniform(shape, 0, spec.ids, 'int32', 1).toFloat() : tf.randomNormal(shape, 0, 1, 'float32', 1);
  const input = tf.variable(x, !spec.ids);
  const weights = model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const forward = () => (useReference && spec.reference ? spec.reference(input) : (model.apply(input, { training: spec.training === true }) as tf.Tensor));
  const output = forward();
  if (spec.forwardOnly) {
    model.dispose();
    input.dispose();
    return output;
  }
  const projection = tf.randomNormal(output.shape, 0, 1, 'float32', 2);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(forward(), projection)) as tf.Scalar, spec.ids ? weights : [input, ...weights]);
  const all = tf.concat([output.flatten(), ...Object.values(grads).map((g) => g.flatten())]);
  model.dispose();
  input.dispose();
  return all;
}

/** The ops the templates and README use, forward and gradient, in one loss: MLP, attention pieces, layer norm, losses. */
function templateOps(): tf.Tensor {
  const x = tf.variable(tf.randomNormal([4, 6], 0, 1, 'float32', 3));
  const w = tf.variable(tf.randomNormal([6, 6], 0, 0.5, 'float32', 4));
  const table = tf.variable(tf.randomNormal([9, 6], 0, 1, 'float32', 5));
  const labels = tf.oneHot(tf.tensor1d([1, 0, 5, 2], 'int32'), 6);
  const loss = () => {
    const h = tf.add(tf.matMul(x, w), tf.gather(table, tf.tensor1d([3, 3, 0, 8], 'int32')));
    const { mean, variance } = tf.moments(h, -1, true);
    const normed = tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-5)));
    const gelu = tf.mul(tf.mul(0.5, normed), tf.add(1, tf.tanh(tf.mul(0.79788456, tf.add(normed, tf.mul(0.044715, tf.pow(normed, 3)))))));
    const [a, b] = tf.split(tf.reshape(gelu, [4, 2, 3]), 2, 1);
    const scores = tf.softmax(tf.div(tf.matMul(tf.reshape(a, [4, 3]), tf.transpose(tf.reshape(b, [4, 3]))), Math.sqrt(3)));
    const logits = tf.concat([tf.matMul(scores, tf.slice(gelu, [0, 0], [4, 3])), tf.slice(gelu, [0, 3], [4, 3])], 1);
    return tf.addN([tf.losses.softmaxCrossEntropy(labels, logits), tf.losses.sigmoidCrossEntropy(labels, logits), tf.losses.meanSquaredError(labels, tf.sigmoid(logits))]) as tf.Scalar;
  };
  const { value, grads } = tf.variableGrads(loss, [x, w, table]);
  // Metrics without a gradient: accuracy as argMax/equal/cast/mean, and a greater-than count.
  const accuracy = tf.mean(tf.cast(tf.equal(tf.argMax(tf.matMul(x, w), 1), tf.argMax(labels, 1)), 'float32'));
  const positive = tf.mean(tf.cast(tf.greater(tf.matMul(x, w), 0), 'float32'));
  const all = tf.concat([value.reshape([1]), accuracy.reshape([1]), positive.reshape([1]), ...Object.values(grads).map((g) => g.flatten())]);
  tf.dispose([x, w, table]);
  return all;
}

/** Kernels a computation ran on wasm that go through the pure-JS fallback (should be none for these layers). */
async function fallbackKernelsUsed(compute: () => tf.Tensor): Promise<string[]> {
  await tf.setBackend('wasm');
  registerWasmKernels(tf);
  const fallback = new Set(describeWasmKernelCoverage(tf).fallback);
  const profile = await tf.profile(() => compute());
  tf.dispose(profile.result as tf.Tensor);
  return [...new Set(profile.kernelNames.filter((name) => fallback.has(name)))];
}

describe('kernel coverage on wasm', () => {
  for (const [name, spec] of Object.entries(LAYERS)) {
    it(`${name}: forward and gradients equal the pure-JS backend, on wasm kernels only`, async () => {
      await expectWasmMatchesJs(
        () => layerForwardAndGradients(spec),
        () => layerForwardAndGradients(spec, true),
      );
      const unexpected = (await fallbackKernelsUsed(() => layerForwardAndGradients(spec))).filter((name) => !spec.fallback?.includes(name));
      expect(unexpected).toEqual([]);
    });
  }

  it('the ops of the templates and README: forward and gradients equal the pure-JS backend', async () => {
    await expectWasmMatchesJs(templateOps);
    expect(await fallbackKernelsUsed(templateOps)).toEqual([]);
  });
});
