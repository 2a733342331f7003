/** Runs a tfjs computation on wasm with our kernels and on the pure-JS cpu backend, and compares the two. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { registerWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';
import { FLOAT32_TOLERANCE, relativeError } from './stock-vs-ours.js';

const wasmBuffers = () => (tf.backend() as unknown as { numDataIds(): number }).numDataIds();

async function valuesOn(backend: string, compute: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start`);
  const tensors = tf.memory().numTensors;
  const buffers = wasmBuffers();
  const result = tf.tidy(compute);
  const values = Float32Array.from(await result.data());
  const shape = result.shape;
  result.dispose();
  // Kernels must free whatever they made for themselves: no tensor and no backend buffer left behind.
  expect(tf.memory().numTensors).toBe(tensors);
  expect(wasmBuffers()).toBe(buffers);
  return { values, shape };
}

/**
 * `compute` on wasm (our kernels registered) equals `reference` (by default `compute` itself) on the pure-JS backend
 * within float32 rounding.
 */
export async function expectWasmMatchesJs(compute: () => tf.Tensor, reference = compute, tolerance = FLOAT32_TOLERANCE): Promise<void> {
  await tf.setBackend('wasm');
  registerWasmKernels(tf);
  const wasm = await valuesOn('wasm', compute);
  const js = await valuesOn('cpu', reference);
  await tf.setBackend('wasm');
  expect(wasm.shape).toEqual(js.shape);
  expect(relativeError(wasm.values, js.values)).toBeLessThan(tolerance);
}

/** A seeded normal tensor (the same values on every backend). */
export const normal = (shape: number[], seed: number) => tf.randomNormal(shape, 0, 1, 'float32', seed);

/** Runs a kernel by name, as the gradient code does. */
export const runKernel = (name: string, inputs: Record<string, tf.Tensor>, attrs: object) =>
  (tf.engine() as unknown as { runKernel(name: string, inputs: object, attrs: object): tf.Tensor }).runKernel(name, inputs, attrs);
