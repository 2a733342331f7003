// The engine benchmark's MLP (784-512-512-10, batch 128 per rank, Adam) under `fabric run model`: samples/s of all ranks.
import { parseArgs } from 'node:util';
import type { Fabric } from '../../src/index.js';
import { makeWorkload, MLP_SHAPE } from '../engine-models.js';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { steps: { type: 'string', default: '60' } } });
  const steps = Number(values.steps);
  const workload = makeWorkload('mlp');
  const [, optimizer] = fabric.setup(workload.variables, fabric.tf.train.adam(1e-3));
  const step = async () => {
    await fabric.backward(workload.loss);
    await optimizer.step();
    optimizer.zeroGrad();
  };
  for (let i = 0; i < 5; i++) await step();
  await fabric.barrier('timed');
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  await fabric.barrier('timed-end');
  const seconds = (performance.now() - start) / 1000;
  if (fabric.isGlobalZero) console.log(`SAMPLES_PER_SECOND ${(steps * MLP_SHAPE.batch * fabric.worldSize) / seconds} BACKEND ${fabric.backend}`);
  workload.dispose();
}
