import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { describeWasmKernelCoverage, registerWasmKernels, restoreStockWasmKernels, WASM_KERNEL_OVERRIDES } from '../../../src/accelerators/wasm-kernels/index.js';
import { expectWasmMatchesJs, normal } from './wasm-vs-js.js';

afterAll(async () => {
  await tf.setBackend('wasm');
  restoreStockWasmKernels(tf);
});
afterEach(() => vi.restoreAllMocks());

const cpuBuffers = () => (tf.engine().findBackend('cpu') as unknown as { numDataIds(): number }).numDataIds();
const wasmNames = () => new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));

describe('the pure-JS fallback on wasm', () => {
  it('registers a wasm kernel for every kernel the pure-JS backend has', async () => {
    await tf.setBackend('wasm');
    restoreStockWasmKernels(tf);
    const missing = () => tf.getKernelsForBackend('cpu').map((k) => k.kernelName).filter((name) => !wasmNames().has(name));
    expect(missing()).toContain('Einsum');
    registerWasmKernels(tf);
    expect(missing()).toEqual([]);
  });

  it('computes what the pure-JS backend computes and frees its temporaries on both backends', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const cpuBefore = cpuBuffers();
    // Einsum takes its inputs as an array; the ops around it run on wasm's own kernels.
    await expectWasmMatchesJs(() => tf.relu(tf.einsum('bij,bjk->bik', normal([2, 3, 4], 1), normal([2, 4, 5], 2))));
    await tf.setBackend('wasm');
    expect(cpuBuffers()).toBe(cpuBefore);
  });

  it('carries int32 and string tensors through', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const { rtNestedSplits: splits, rtDenseValues: values } = tf.raggedRange(tf.tensor1d([0, 5], 'int32'), tf.tensor1d([3, 8], 'int32'), tf.tensor1d([1, 2], 'int32'));
    expect(values.dtype).toBe('int32');
    expect(Array.from(await values.data())).toEqual([0, 1, 2, 5, 7]);
    expect(Array.from(await splits.data())).toEqual([0, 3, 5]);
    const replaced = tf.string.staticRegexReplace(tf.tensor1d(['a-b', 'c--d']), '-+', '+');
    expect(await replaced.array()).toEqual(['a+b', 'c+d']);
    tf.dispose([splits, values, replaced]);
  });

  it('notes each kernel once on stderr, naming it', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const x = tf.tensor2d([[1, 2], [3, 4]]);
    for (let i = 0; i < 3; i++) tf.tidy(() => tf.einsum('ij->ji', x)).dispose();
    const ranged = tf.raggedRange(tf.tensor1d([0], 'int32'), tf.tensor1d([2], 'int32'), tf.tensor1d([1], 'int32'));
    tf.dispose([ranged.rtNestedSplits, ranged.rtDenseValues]);
    x.dispose();
    const notes = write.mock.calls.map((c) => String(c[0])).filter((line) => line.includes('has no wasm implementation'));
    // Einsum may have been noted by an earlier test in this process already; RaggedRange too. Never twice.
    expect(notes.filter((n) => n.includes("'Einsum'")).length).toBeLessThanOrEqual(1);
    expect(new Set(notes).size).toBe(notes.length);
  });

  it('refuses complex64 with an error that says what to do', async () => {
    await tf.setBackend('wasm');
    registerWasmKernels(tf);
    expect(() => tf.complex([1, 2], [3, 4])).toThrow(/complex64.*FABRIC_TFJS_BACKEND=cpu/);
  });
});

describe('describeWasmKernelCoverage', () => {
  it('lists our kernels and the fallback ones, the same before and after registration', async () => {
    await tf.setBackend('wasm');
    restoreStockWasmKernels(tf);
    const before = describeWasmKernelCoverage(tf);
    registerWasmKernels(tf);
    const after = describeWasmKernelCoverage(tf);
    expect(after).toEqual(before);
    expect(after.ours).toEqual(WASM_KERNEL_OVERRIDES);
    expect(after.ours).toEqual(expect.arrayContaining(['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum']));
    expect(after.fallback).toContain('Einsum');
    expect(after.fallback).not.toContain('Conv2DBackpropFilter');
    expect(after.fallback).not.toContain('Conv2D');
  });
});
