// Per-rank steps/s while the launcher shows the run: every rank logs its loss and prints a line every step,
// so the launcher (dashboard or plain lines) has as much to relay as a chatty real script.
import { parseArgs } from 'node:util';
import type { Fabric } from '../../src/index.js';
import { fabricStep, makeBatch, makeModel } from '../mlp-loops.js';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { steps: { type: 'string', default: '200' } } });
  const steps = Number(values.steps);
  const [model, optimizer] = fabric.setup(makeModel(), fabric.tf.train.adam(1e-3));
  const [x, y] = makeBatch();
  for (let i = 0; i < 5; i++) await fabricStep(fabric, model, optimizer, x, y);
  await fabric.barrier('timed');
  const start = performance.now();
  for (let i = 0; i < steps; i++) {
    const loss = await fabricStep(fabric, model, optimizer, x, y);
    console.log(`rank ${fabric.globalRank} step ${i} loss ${loss.toFixed(5)}`);
  }
  await fabric.barrier('timed-end');
  const seconds = (performance.now() - start) / 1000;
  console.log(`STEPS_PER_SECOND ${steps / seconds}`);
}
