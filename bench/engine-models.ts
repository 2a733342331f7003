/**
 * The two workloads of the engine benchmark (issue 9), shared by `bench/engine.ts` and its scripts:
 * an MLP 784-512-512-10 (batch 128) and the Transformer LM template (vocab 256, context 64, d 128, 2 layers,
 * batch 16), both trained with Adam, plus the matmul FLOPs one training step of each needs.
 */
import * as tf from '@tensorflow/tfjs';
import { TransformerLM } from '../templates/transformer-lm/model.js';

export type ModelName = 'mlp' | 'transformer';

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
export const LM_SHAPE = { vocabSize: 256, contextLength: 64, dModel: 128, nHeads: 4, nLayers: 2, mlpRatio: 4, batch: 16 };

export function makeWorkload(name: ModelName): Workload {
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
