// Startup time through `fabric run model`: the same loop up to its first step.
import type { Fabric } from '../../src/index.js';
import { fabricStep, makeBatch, makeModel } from '../mlp-loops.js';

export async function train(fabric: Fabric) {
  const [model, optimizer] = fabric.setup(makeModel(), fabric.tf.train.adam(1e-3));
  const [x, y] = makeBatch();
  await fabricStep(fabric, model, optimizer, x, y);
  console.log('FIRST_STEP_DONE');
}
