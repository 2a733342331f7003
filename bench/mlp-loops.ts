/** The same MLP training step, written in raw tfjs and through Fabric (shared by the benchmark and its scripts). */
import * as tf from '@tensorflow/tfjs';
import type { Fabric, FabricOptimizer } from '../src/index.js';

export const MLP = { inputs: 256, hidden: 256, classes: 10, batch: 128 };

export function makeModel(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [MLP.inputs], units: MLP.hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
      tf.layers.dense({ units: MLP.hidden, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      tf.layers.dense({ units: MLP.classes, kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
    ],
  });
}

export function makeBatch(): [tf.Tensor2D, tf.Tensor2D] {
  const x = tf.randomNormal([MLP.batch, MLP.inputs], 0, 1, 'float32', 7) as tf.Tensor2D;
  const labels = tf.randomUniform([MLP.batch], 0, MLP.classes, 'int32', 8);
  const y = tf.oneHot(labels, MLP.classes).toFloat() as tf.Tensor2D;
  labels.dispose();
  return [x, y];
}

const lossOf = (model: tf.LayersModel, x: tf.Tensor, y: tf.Tensor) => tf.losses.softmaxCrossEntropy(y, model.apply(x) as tf.Tensor) as tf.Scalar;

export async function rawStep(model: tf.LayersModel, optimizer: tf.Optimizer, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const loss = optimizer.minimize(() => lossOf(model, x, y), true)!;
  const value = (await loss.data())[0];
  loss.dispose();
  return value;
}

export async function fabricStep(fabric: Fabric, model: tf.LayersModel, optimizer: FabricOptimizer, x: tf.Tensor, y: tf.Tensor): Promise<number> {
  const loss = await fabric.backward(() => lossOf(model, x, y));
  await optimizer.step();
  optimizer.zeroGrad();
  fabric.log('loss', loss);
  return loss;
}
