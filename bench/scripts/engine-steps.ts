/**
 * One measurement of the engine benchmark, in a fresh process so the engines never share kernel registrations:
 * training steps/s of one model on one engine, and (for `fabric`) the backend's plain matMul peak in the same process.
 * Usage: node --import tsx bench/scripts/engine-steps.ts <mlp|transformer> <stock-wasm|stock-js|fabric> <warmup> <steps>
 * Prints one line: ENGINE_RESULT {json}
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Fabric } from '../../src/index.js';
import { makeWorkload, rawStep, type ModelName, type Workload } from '../engine-models.js';

const [model, engine, warmupArg, stepsArg] = process.argv.slice(2) as [ModelName, string, string, string];
const warmup = Number(warmupArg);
const steps = Number(stepsArg);

async function stepsPerSecond(step: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < warmup; i++) await step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  return steps / ((performance.now() - start) / 1000);
}

/** Best GFLOP/s of a plain 2-D matMul over a few sizes (the backend's own peak, the utilisation anchor). */
function plainMatMulPeak(): number {
  let best = 0;
  for (const [m, k, n] of [[128, 784, 512], [256, 512, 512], [512, 512, 512], [1024, 128, 512]]) {
    const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
    const run = () => tf.matMul(a, b).dataSync();
    for (let i = 0; i < 3; i++) run();
    const reps = 20;
    const start = performance.now();
    for (let i = 0; i < reps; i++) tf.tidy(run);
    best = Math.max(best, (2 * m * k * n * reps) / ((performance.now() - start) / 1000) / 1e9);
    tf.dispose([a, b]);
  }
  return best;
}

async function main(): Promise<void> {
  let workload: Workload;
  let rate: number;
  let peakGflops: number | undefined;
  let backend: string;
  if (engine === 'fabric') {
    const fabric = new Fabric({ accelerator: 'cpu' });
    await fabric.launch();
    backend = fabric.backend;
    workload = makeWorkload(model);
    const [, optimizer] = fabric.setup(workload.variables, tf.train.adam(1e-3));
    rate = await stepsPerSecond(async () => {
      await fabric.backward(workload.loss);
      await optimizer.step();
      optimizer.zeroGrad();
    });
    peakGflops = plainMatMulPeak();
    await fabric.teardown();
  } else {
    backend = engine === 'stock-js' ? 'cpu' : 'wasm';
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start.`);
    workload = makeWorkload(model);
    const optimizer = tf.train.adam(1e-3);
    rate = await stepsPerSecond(() => rawStep(workload, optimizer));
  }
  console.log(`ENGINE_RESULT ${JSON.stringify({ model, engine, backend, stepsPerSecond: rate, flopsPerStep: workload.flopsPerStep, peakGflops, describe: workload.describe })}`);
  workload.dispose();
}

await main();
