import { describe, expect, it } from 'vitest';
import { instantiateSimd } from '../../src/collectives/simd-module.js';

describe('WebAssembly SIMD module', () => {
  it('is available on Node 20 and exports the kernels with their own memory', () => {
    const simd = instantiateSimd();
    expect(simd).not.toBeNull();
    for (const name of ['sumF32', 'minF32', 'maxF32', 'sumI32', 'minI32', 'maxI32', 'divF32']) expect(typeof simd![name]).toBe('function');
    expect(simd!.memory.buffer.byteLength).toBe(65536);
  });

  it('sums 16-byte lanes in place', () => {
    const simd = instantiateSimd()!;
    const heap = new Float32Array(simd.memory.buffer);
    heap.set([1, 2, 3, 4, 5, 6, 7, 8], 0);
    heap.set([10, 20, 30, 40, 50, 60, 70, 80], 16);
    (simd.sumF32 as (dst: number, src: number, nbytes: number) => void)(0, 64, 32);
    simd.divF32(0, 16, 2);
    expect(Array.from(heap.subarray(0, 8))).toEqual([5.5, 11, 16.5, 22, 55, 66, 77, 88]);
  });
});
