// Gradient bytes each rank sends per optimizer step under the run's --precision (DDP, 2 ranks).
import type { Fabric } from '../../src/index.js';

export async function train(fabric: Fabric) {
  const tf = fabric.tf;
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 64, activation: 'relu' }), tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(0.01));
  const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1);
  const y = tf.randomUniform([64, 1], 0, 1, 'float32', 2);
  const steps = 10;
  const sent = () => (fabric.strategy as unknown as { gradientBytesSent?: number }).gradientBytesSent ?? 0;
  const before = sent();
  for (let i = 0; i < steps; i++) {
    await fabric.backward(() => tf.losses.sigmoidCrossEntropy(y, net.apply(x) as typeof x) as ReturnType<typeof tf.scalar>);
    await optimizer.step();
    optimizer.zeroGrad();
  }
  if (fabric.isGlobalZero) console.log(`GRADIENT_BYTES_PER_STEP ${(sent() - before) / steps}`);
}
