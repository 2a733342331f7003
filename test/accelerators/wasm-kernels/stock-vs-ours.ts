/** Runs the same tfjs computation with the stock wasm kernels, with ours, and on the pure-JS backend, for comparisons. */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { expect } from 'vitest';
import { registerWasmKernels, restoreStockWasmKernels } from '../../../src/accelerators/wasm-kernels/index.js';

export interface ThreeWays {
  stock: Float32Array;
  ours: Float32Array;
  js: Float32Array;
  shape: number[];
}

async function run(backend: string, compute: () => tf.Tensor): Promise<{ values: Float32Array; shape: number[] }> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start`);
  const result = tf.tidy(compute);
  const values = Float32Array.from(await result.data());
  const shape = result.shape;
  result.dispose();
  return { values, shape };
}

/** `compute` on wasm (stock kernels, then ours) and on the pure-JS cpu backend; leaves wasm active with ours registered. */
export async function computeThreeWays(compute: () => tf.Tensor): Promise<ThreeWays> {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
  const stock = await run('wasm', compute);
  registerWasmKernels(tf);
  const ours = await run('wasm', compute);
  const js = await run('cpu', compute);
  await tf.setBackend('wasm');
  expect(ours.shape).toEqual(stock.shape);
  expect(js.shape).toEqual(stock.shape);
  return { stock: stock.values, ours: ours.values, js: js.values, shape: stock.shape };
}

/** Largest difference relative to the largest magnitude in the reference (sums in another order differ by rounding). */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  expect(actual.length).toBe(expected.length);
  let scale = 1e-30;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]));
    worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  }
  return Number.isNaN(worst) ? Number.POSITIVE_INFINITY : worst / scale;
}

/** float32 rounding, summed over a few hundred terms in a different order. */
export const FLOAT32_TOLERANCE = 1e-5;

export function expectMatchesStock(result: ThreeWays): void {
  expect(relativeError(result.ours, result.stock)).toBeLessThan(FLOAT32_TOLERANCE);
  expect(relativeError(result.ours, result.js)).toBeLessThan(FLOAT32_TOLERANCE);
}
