/**
 * vitest setup file of the engine projects: before each test file, makes the engine under test tfjs's active
 * backend, so unit tests that use `tf` directly (no Fabric) run on it too. A test that picks a backend itself
 * (e.g. `tf.setBackend('cpu')` for the pure-JS one) still does so in its own hooks, which run after this.
 */
import * as tf from '@tensorflow/tfjs';
import { registerWasmKernels } from '../../src/accelerators/wasm-kernels/index.js';
import { ENGINE_UNDER_TEST } from './engine.js';

const PACKAGES: Record<string, string> = { tensorflow: '@tensorflow/tfjs-node', wasm: '@tensorflow/tfjs-backend-wasm' };

if (ENGINE_UNDER_TEST && ENGINE_UNDER_TEST !== 'cpu') {
  const pkg = PACKAGES[ENGINE_UNDER_TEST];
  if (!pkg) throw new Error(`FABRIC_TFJS_BACKEND=${ENGINE_UNDER_TEST} is not an engine this suite knows (${Object.keys(PACKAGES).join(', ')}, cpu).`);
  await import(pkg);
}
if (ENGINE_UNDER_TEST && !(await tf.setBackend(ENGINE_UNDER_TEST))) {
  throw new Error(`The '${ENGINE_UNDER_TEST}' backend did not start, so this project cannot test it.`);
}
// Our wasm engine is stock wasm plus our kernels (what Fabric registers), e.g. the gradient of gather.
if (ENGINE_UNDER_TEST === 'wasm') registerWasmKernels(tf);
