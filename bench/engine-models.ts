/**
 * The workloads of the engine benchmark (issues 9 and 14), shared by `bench/engine.ts` and its scripts: an MLP
 * 784-512-512-10 (batch 128), a small CNN (28x28x1, conv 32 3x3, pool, conv 64 3x3, pool, dense 128, dense 10,
 * batch 64) and the Transformer LM template (vocab 256, context 64, d 128, 2 layers, batch 16), all trained with
 * Adam, plus the matmul/conv FLOPs one training step of each needs. bench/anchors/*.py build the same three.
 */
import * as tf from '@tensorflow/tfjs';
import { TransformerLM } from '../templates/transformer-lm/model.js';

export type ModelName = 'mlp' | 'cnn' | 'transformer';

export interface Workload {
  /** Trainable variables, in a stable order. */
  variables: tf.Variable[];
  /** The scalar loss of the fixed batch. */
  loss: () => tf.Scalar;
  /** Matmul FLOPs of one training step (forward + the backward products that are needed). */
  flopsPerStep: number;
  describe: string;
  dispose: () => void;
}

export const MLP_SHAPE = { layers: [784, 512, 512, 10], batch: 128 };
export const CNN_SHAPE = { image: [28, 28, 1], filters: [32, 64], dense: 128, classes: 10, batch: 64 };
export const LM_SHAPE = { vocabSize: 256, contextLength: 64, dModel: 128, nHeads: 4, nLayers: 2, mlpRatio: 4, batch: 16 };

export function makeWorkload(name: ModelName): Workload {
  if (name === 'cnn') return cnnWorkload();
  return name === 'mlp' ? mlpWorkload() : transformerWorkload();
}

function mlpWorkload(): Workload {
  const { layers, batch } = MLP_SHAPE;
  const model = tf.sequential();
  for (let i = 1; i < layers.length; i++) {
    model.add(
      tf.layers.dense({
        ...(i === 1 && { inputShape: [layers[0]] }),
        units: layers[i],
        activation: i < layers.length - 1 ? 'relu' : 'linear',
        kernelInitializer: tf.initializers.glorotUniform({ seed: i }),
      }),
    );
  }
  const x = tf.randomNormal([batch, layers[0]], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, layers.at(-1)!, 'int32', 8), layers.at(-1)!).toFloat());
  let flops = 0;
  for (let i = 1; i < layers.length; i++) {
    const layer = 2 * batch * layers[i - 1] * layers[i];
    // forward + weight gradient, + input gradient except for the first layer (its input is data).
    flops += layer * (i === 1 ? 2 : 3);
  }
  return {
    variables: model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    loss: () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
    flopsPerStep: flops,
    describe: `MLP ${layers.join('-')}, batch ${batch}, Adam`,
    dispose: () => {
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

function cnnWorkload(): Workload {
  const { image, filters, dense, classes, batch } = CNN_SHAPE;
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: image, filters: filters[0]!, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: filters[1]!, kernelSize: 3, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: dense, activation: 'relu', kernelInitializer: init(3) }),
      tf.layers.dense({ units: classes, kernelInitializer: init(4) }),
    ],
  });
  const x = tf.randomNormal([batch, ...image], 0, 1, 'float32', 7);
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([batch], 0, classes, 'int32', 8), classes).toFloat());
  // conv1 26x26 outputs (forward + filter gradient), conv2 11x11 (forward + both gradients), the two dense layers.
  const conv1 = 2 * batch * 26 * 26 * 9 * image[2]! * filters[0]! * 2;
  const conv2 = 2 * batch * 11 * 11 * 9 * filters[0]! * filters[1]! * 3;
  const denses = 2 * batch * (5 * 5 * filters[1]! * dense + dense * classes) * 3;
  return {
    variables: model.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val),
    loss: () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar,
    flopsPerStep: conv1 + conv2 + denses,
    describe: `CNN 28x28x1 conv${filters[0]}-pool-conv${filters[1]}-pool-dense${dense}-dense${classes}, batch ${batch}, Adam`,
    dispose: () => {
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

function transformerWorkload(): Workload {
  const { vocabSize, contextLength, dModel, nHeads, nLayers, mlpRatio, batch } = LM_SHAPE;
  const model = new TransformerLM(tf, { vocabSize, contextLength, dModel, nHeads, nLayers, mlpRatio, tiedHead: true, seed: 1234 });
  const tokens = tf.randomUniform([batch, contextLength + 1], 0, vocabSize, 'int32', 9);
  const inputs = tf.slice(tokens, [0, 0], [batch, contextLength]);
  const targets = tf.slice(tokens, [0, 1], [batch, contextLength]);
  const n = batch * contextLength;
  // Per layer: qkv, attention scores and their use on v, output projection, the MLP's two products.
  const perLayer = 2 * n * dModel * 3 * dModel + 2 * 2 * n * contextLength * dModel + 2 * n * dModel * dModel + 2 * 2 * n * dModel * mlpRatio * dModel;
  const head = 2 * n * dModel * vocabSize;
  // Every product needs both input gradients in the backward pass (x3); the embedding lookup is not counted.
  const flops = 3 * (nLayers * perLayer + head);
  return {
    variables: Object.values(model.params),
    loss: () => model.loss(inputs, targets),
    flopsPerStep: flops,
    describe: `Transformer LM vocab ${vocabSize}, context ${contextLength}, d ${dModel}, ${nLayers} layers, ${nHeads} heads, batch ${batch}, Adam`,
    dispose: () => {
      model.dispose();
      tf.dispose([tokens, inputs, targets]);
    },
  };
}

/** One plain tfjs training step (no Fabric): gradients, Adam update, loss read back. */
export async function rawStep(workload: Workload, optimizer: tf.Optimizer): Promise<number> {
  const loss = optimizer.minimize(workload.loss, true, workload.variables)!;
  const value = (await loss.data())[0];
  loss.dispose();
  return value;
}
