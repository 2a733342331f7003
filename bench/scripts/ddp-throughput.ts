// Per-rank training throughput under `fabric run model --devices=N`: fixed per-rank batch, timed after a warm-up.
import { parseArgs } from 'node:util';
import type { Fabric } from '../../src/index.js';
import { fabricStep, makeBatch, makeModel, MLP } from '../mlp-loops.js';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { steps: { type: 'string', default: '30' } } });
  const steps = Number(values.steps);
  const [model, optimizer] = fabric.setup(makeModel(), fabric.tf.train.adam(1e-3));
  const [x, y] = makeBatch();
  await fabricStep(fabric, model, optimizer, x, y);
  if (fabric.isGlobalZero) console.log('FIRST_ALLREDUCE_DONE');
  for (let i = 0; i < 3; i++) await fabricStep(fabric, model, optimizer, x, y);
  await fabric.barrier('timed');
  const start = performance.now();
  for (let i = 0; i < steps; i++) await fabricStep(fabric, model, optimizer, x, y);
  await fabric.barrier('timed-end');
  const seconds = (performance.now() - start) / 1000;
  if (fabric.isGlobalZero) console.log(`SAMPLES_PER_SECOND ${(steps * MLP.batch * fabric.worldSize) / seconds}`);
}
