/**
 * Per-kernel time of one training step (tf.profile) of the engine benchmark's models: where a step's time goes.
 * Usage: node --import tsx bench/scripts/engine-profile.ts [mlp|transformer] [stock|fabric] [wasm|cpu]
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { registerWasmKernels } from '../../src/accelerators/wasm-kernels/index.js';
import { makeWorkload, rawStep, type ModelName } from '../engine-models.js';

const model = (process.argv[2] ?? 'mlp') as ModelName;
const engine = process.argv[3] ?? 'fabric';
const backend = process.argv[4] ?? 'wasm';
if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start.`);
if (engine === 'fabric') registerWasmKernels(tf);
const workload = makeWorkload(model);
const optimizer = tf.train.adam(1e-3);
for (let i = 0; i < 3; i++) await rawStep(workload, optimizer);
const start = performance.now();
const info = await tf.profile(() => rawStep(workload, optimizer));
const wall = performance.now() - start;
const byKernel = new Map<string, { ms: number; calls: number }>();
for (const k of info.kernels) {
  const key = `${k.name} ${k.inputShapes.map((s) => `[${s}]`).join('')}`;
  const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
  entry.ms += k.kernelTimeMs as number;
  entry.calls++;
  byKernel.set(key, entry);
}
const total = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
console.log(`${workload.describe}; ${engine} on ${tf.getBackend()}: kernels ${total.toFixed(1)} ms, wall ${wall.toFixed(1)} ms (profiling adds overhead)`);
for (const [key, e] of [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) {
  console.log(`  ${e.ms.toFixed(2).padStart(8)} ms ${((100 * e.ms) / total).toFixed(1).padStart(5)}%  x${String(e.calls).padEnd(3)} ${key}`);
}
const byName = new Map<string, number>();
for (const k of info.kernels) byName.set(k.name, (byName.get(k.name) ?? 0) + (k.kernelTimeMs as number));
console.log('by kernel:', [...byName.entries()].sort((a, b) => b[1] - a[1]).slice(0, 14).map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', '));
