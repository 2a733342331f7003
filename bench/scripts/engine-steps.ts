/**
 * One measurement of the engine benchmark, in a fresh process so the engines never share kernel registrations:
 * training steps/s of one model on one engine, and (for `fabric`) the backend's plain matMul peak in the same process.
 * Engines: `fabric` (our wasm engine through Fabric), `stock-wasm`, `stock-js`, and on tfjs-node `native-fabric`
 * (through Fabric) and `native-raw` (a plain tfjs-node loop, optimizer.minimize). Native threads come from
 * TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS, which the caller sets.
 * Usage: node --import tsx bench/scripts/engine-steps.ts <mlp|cnn|transformer> <engine> <warmup> <steps>
 * Prints one line: ENGINE_RESULT {json}
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { Fabric } from '../../src/index.js';
import { makeWorkload, rawStep, type ModelName, type Workload } from '../engine-models.js';

const [model, engine, warmupArg, stepsArg] = process.argv.slice(2) as [ModelName, string, string, string];
const warmup = Number(warmupArg);
const steps = Number(stepsArg);

async function stepsPerSecond(step: () => Promise<unknown>, count = steps): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < count; i++) await step();
  return count / ((performance.now() - start) / 1000);
}

/** GFLOP/s of `reps` plain 2-D matMuls of one shape (the backend's own speed, the utilisation anchor). */
function plainMatMulGflops([m, k, n]: number[], reps: number): number {
  const [a, b] = [tf.randomNormal([m, k]), tf.randomNormal([k, n])];
  // Returns nothing: tf.tidy would walk a returned Float32Array element by element looking for tensors.
  const run = () => {
    tf.matMul(a, b).dataSync();
  };
  for (let i = 0; i < 2; i++) tf.tidy(run);
  const start = performance.now();
  for (let i = 0; i < reps; i++) tf.tidy(run);
  tf.dispose([a, b]);
  return (2 * m * k * n * reps) / ((performance.now() - start) / 1000) / 1e9;
}

/**
 * Steps/s and the plain matMul peak, measured in alternating blocks so that load from other processes on a shared
 * machine weighs on both alike. The peak shape is the fastest of a few sizes.
 */
async function stepsAndPeak(step: () => Promise<unknown>): Promise<{ rate: number; peakGflops: number }> {
  const shapes = [[128, 784, 512], [256, 512, 512], [512, 512, 512], [1024, 128, 512]];
  const best = shapes.map((s) => [plainMatMulGflops(s, 5), s] as const).sort((x, y) => y[0] - x[0])[0][1];
  const blocks = 3;
  const rates: number[] = [];
  const peaks: number[] = [];
  for (let b = 0; b < blocks; b++) {
    rates.push(await stepsPerSecond(step, Math.ceil(steps / blocks)));
    peaks.push(plainMatMulGflops(best, 10));
  }
  // Harmonic means: total work over total time.
  const harmonic = (v: number[]) => v.length / v.reduce((s, x) => s + 1 / x, 0);
  return { rate: harmonic(rates), peakGflops: harmonic(peaks) };
}

async function main(): Promise<void> {
  let workload: Workload;
  let rate: number;
  let peakGflops: number | undefined;
  let backend: string;
  if (engine === 'native-fabric' || engine === 'native-raw') {
    await import('@tensorflow/tfjs-node');
    if (!(await tf.setBackend('tensorflow'))) throw new Error("tfjs-node's backend did not start.");
    backend = 'tensorflow';
    workload = makeWorkload(model);
    let step: () => Promise<unknown>;
    let fabric: Fabric | undefined;
    if (engine === 'native-fabric') {
      fabric = new Fabric({ accelerator: 'cpu' });
      await fabric.launch();
      if (fabric.backend !== 'tensorflow') throw new Error(`Fabric picked '${fabric.backend}', not tfjs-node.`);
      const [, optimizer] = fabric.setup(workload.variables, tf.train.adam(1e-3));
      step = async () => {
        await fabric!.backward(workload.loss);
        await optimizer.step();
        optimizer.zeroGrad();
      };
    } else {
      const optimizer = tf.train.adam(1e-3);
      step = () => rawStep(workload, optimizer);
    }
    for (let i = 0; i < warmup; i++) await step();
    rate = await stepsPerSecond(step);
    await fabric?.teardown();
  } else if (engine === 'fabric') {
    const fabric = new Fabric({ accelerator: 'cpu' });
    await fabric.launch();
    backend = fabric.backend;
    workload = makeWorkload(model);
    const [, optimizer] = fabric.setup(workload.variables, tf.train.adam(1e-3));
    const step = async () => {
      await fabric.backward(workload.loss);
      await optimizer.step();
      optimizer.zeroGrad();
    };
    for (let i = 0; i < warmup; i++) await step();
    ({ rate, peakGflops } = await stepsAndPeak(step));
    await fabric.teardown();
  } else {
    backend = engine === 'stock-js' ? 'cpu' : 'wasm';
    if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start.`);
    workload = makeWorkload(model);
    const optimizer = tf.train.adam(1e-3);
    const step = () => rawStep(workload, optimizer);
    for (let i = 0; i < warmup; i++) await step();
    rate = await stepsPerSecond(step);
  }
  console.log(`ENGINE_RESULT ${JSON.stringify({ model, engine, backend, stepsPerSecond: rate, flopsPerStep: workload.flopsPerStep, peakGflops, describe: workload.describe })}`);
  workload.dispose();
}

await main();
