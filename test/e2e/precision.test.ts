/** bf16-mixed and 16-mixed train the two-spirals MLP of templates/mlp as well as 32-true (within 1 accuracy point). */
import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { Fabric } from '../../src/fabric.js';
import { twoSpirals } from '../../templates/mlp/train.js';

const launched: Fabric[] = [];
afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
});

async function trainSpirals(precision: '32-true' | 'bf16-mixed' | '16-mixed'): Promise<number> {
  const fabric = new Fabric({ accelerator: 'cpu', precision });
  await fabric.launch();
  launched.push(fabric);
  const [x, y] = twoSpirals(tf, 200, 0) as [tf.Tensor2D, tf.Tensor2D];
  const [xVal, yVal] = twoSpirals(tf, 150, 1) as [tf.Tensor2D, tf.Tensor2D];
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 32, activation: 'relu', kernelInitializer: init(1) }),
      tf.layers.dense({ units: 32, activation: 'relu', kernelInitializer: init(2) }),
      tf.layers.dense({ units: 1, kernelInitializer: init(3) }),
    ],
  });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(0.02));
  for (let step = 0; step < 300; step++) {
    await fabric.backward(() => tf.losses.sigmoidCrossEntropy(y, net.apply(fabric.autocast(() => x)) as tf.Tensor) as tf.Scalar);
    await optimizer.step();
    optimizer.zeroGrad();
  }
  const accuracy = tf.tidy(() => tf.mean(tf.equal(tf.greater(net.predict(xVal) as tf.Tensor, 0), tf.cast(yVal, 'bool'))).dataSync()[0]);
  tf.dispose([x, y, xVal, yVal]);
  model.dispose();
  return accuracy * 100;
}

describe('mixed precision on the two-spirals MLP', () => {
  it('bf16-mixed and 16-mixed reach the accuracy of 32-true within 1 point', async () => {
    const full = await trainSpirals('32-true');
    const bf16 = await trainSpirals('bf16-mixed');
    const f16 = await trainSpirals('16-mixed');
    console.log(`two spirals, validation accuracy: 32-true ${full.toFixed(2)}%, bf16-mixed ${bf16.toFixed(2)}%, 16-mixed ${f16.toFixed(2)}%`);
    expect(full).toBeGreaterThan(90);
    expect(Math.abs(bf16 - full)).toBeLessThanOrEqual(1);
    expect(Math.abs(f16 - full)).toBeLessThanOrEqual(1);
  }, 120_000);
});
