// Experiment (issue 9, item 5, time-boxed): start the threaded-SIMD wasm binary in Node by giving its pthread worker a
// file path instead of a blob URL, then time a 512^3 matMul. Usage: node --import tsx bench/scripts/wasm-threads.ts <threads>
// Result on the shared 2-vCPU machine: it starts, but 2 threads were no faster than 1 (see bench/README.md); not used by Fabric.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createRequire } from 'node:module';
import * as tf from '@tensorflow/tfjs';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
const require = createRequire(import.meta.url);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wasm-threads-'));
const factory = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js');
const mainFile = path.join(dir, 'main.js');
fs.writeFileSync(mainFile, `var WasmBackendModuleThreadedSimd = ${factory.toString()}`);
const { wasmWorkerContents } = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
const workerFile = path.join(dir, 'worker.js');
fs.writeFileSync(workerFile, `URL.createObjectURL = () => ${JSON.stringify(mainFile)};\n${wasmWorkerContents.replace(/\n/g, "\\n")}`);
const original = URL.createObjectURL;
URL.createObjectURL = (() => workerFile) as typeof URL.createObjectURL;
tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
const threads = Number(process.argv[2] ?? 2);
setThreadsCount(threads);
const ok = await Promise.race([tf.setBackend('wasm'), new Promise((r) => setTimeout(() => r('timeout'), 20000))]);
URL.createObjectURL = original;
console.log('setBackend ->', ok, tf.getBackend(), 'threads', (tf.backend() as any).getThreadsCount?.());
const a = tf.randomNormal([512, 512]); const b = tf.randomNormal([512, 512]);
const run = () => { tf.matMul(a, b).dataSync(); };
for (let i = 0; i < 3; i++) tf.tidy(run);
let best = 1e9;
for (let r = 0; r < 5; r++) { const s = performance.now(); for (let i = 0; i < 5; i++) tf.tidy(run); best = Math.min(best, (performance.now() - s) / 5); }
console.log('512^3 matMul best', best.toFixed(2), 'ms', (2 * 512 ** 3 / best / 1e6).toFixed(1), 'GFLOP/s');
process.exit(0);
