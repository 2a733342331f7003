/** Whole training steps with our wasm kernels: the same gradients as the stock kernels, and no tensors left behind. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { TransformerLM } from '../../../templates/transformer-lm/model.js';
import { computeThreeWays, expectMatchesStock } from './stock-vs-ours.js';
import { expectWasmMatchesJs } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});

interface Model {
  variables: tf.Variable[];
  loss: () => tf.Scalar;
  dispose: () => void;
}

function mlp(): Model {
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [20], units: 16, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: 4, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
    ],
  });
  const x = tf.randomNormal([8, 20], 0, 1, 'float32', 3);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 0, 1, 2, 3], 'int32'), 4).toFloat();
  return {
    variables: model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    loss: () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
    dispose: () => {
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

function transformer(): Model {
  const model = new TransformerLM(tf, { vocabSize: 11, contextLength: 8, dModel: 16, nHeads: 2, nLayers: 1, mlpRatio: 2, tiedHead: true, seed: 5 });
  const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8, 9], [9, 8, 7, 6, 5, 4, 3, 2, 1]], [2, 9], 'int32');
  const inputs = tf.slice(tokens, [0, 0], [2, 8]);
  const targets = tf.slice(tokens, [0, 1], [2, 8]);
  return {
    variables: Object.values(model.params),
    loss: () => model.loss(inputs, targets),
    dispose: () => {
      model.dispose();
      tf.dispose([tokens, inputs, targets]);
    },
  };
}

const MODELS = { mlp, transformer };

describe('a training step with our wasm kernels', () => {
  for (const [name, make] of Object.entries(MODELS)) {
    const lossAndGradients = () => {
      const model = make();
      const { value, grads } = tf.variableGrads(model.loss, model.variables);
      const flat = tf.concat([value.reshape([1]), ...model.variables.map((v) => grads[v.name].flatten())]);
      model.dispose();
      return flat;
    };
    // The Transformer's embedding is a gather, whose gradient stock wasm lacks: it is compared with the JS backend only.
    if (name === 'transformer') {
      it(`${name}: loss and every gradient match the JS backend`, async () => {
        await expectWasmMatchesJs(lossAndGradients);
      });
    } else {
      it(`${name}: loss and every gradient match the stock kernels and the JS backend`, async () => {
        expectMatchesStock(await computeThreeWays(lossAndGradients));
      });
    }

    it(`${name}: Adam steps leave the tensor count and wasm buffers unchanged`, async () => {
      await tf.setBackend('wasm');
      registerWasmKernels(tf);
      const model = make();
      const optimizer = tf.train.adam(1e-3);
      const step = () => optimizer.minimize(model.loss, true, model.variables)?.dispose();
      step(); // creates Adam's slots
      const tensors = tf.memory().numTensors;
      const buffers = (tf.backend() as unknown as { numDataIds(): number }).numDataIds();
      for (let i = 0; i < 3; i++) step();
      expect(tf.memory().numTensors).toBe(tensors);
      expect((tf.backend() as unknown as { numDataIds(): number }).numDataIds()).toBe(buffers);
      optimizer.dispose();
      model.dispose();
    });
  }
});
