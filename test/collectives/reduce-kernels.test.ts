import { describe, expect, it } from 'vitest';
import { ReduceKernels, type CombineOp } from '../../src/collectives/reduce-kernels.js';
import { makeArray } from './helpers.js';

function load(kernels: ReduceKernels, values: Float32Array | Int32Array): void {
  kernels.scratch.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
}

function expected(op: CombineOp, a: Float32Array | Int32Array, b: Float32Array | Int32Array, divisor: number): number[] {
  return Array.from(a, (x, i) => {
    const y = b[i];
    const value = op === 'sum' ? (a instanceof Int32Array ? (x + y) | 0 : Math.fround(x + y)) : op === 'max' ? Math.max(x, y) : Math.min(x, y);
    return divisor === 1 ? value : Math.fround(value / divisor);
  });
}

describe.each([true, false])('ReduceKernels (SIMD %s)', (useSimd) => {
  const kernels = new ReduceKernels(64, useSimd);

  it.each(['sum', 'max', 'min'] as const)('%s matches plain JavaScript for float32 and int32, every length up to a segment', (op) => {
    expect(kernels.simd).toBe(useSimd);
    for (const dtype of ['float32', 'int32'] as const) {
      for (const count of [1, 3, 4, 5, 17, 64]) {
        const input = makeArray(dtype, count, count, false);
        const received = makeArray(dtype, count, count + 100, false);
        if (dtype === 'int32') {
          input[0] = 2 ** 31 - 1;
          received[0] = 5;
        }
        load(kernels, received);
        const out = dtype === 'float32' ? new Float32Array(count + 2) : new Int32Array(count + 2);
        kernels.combine(op, out, 2, input, 0, count);
        expect(Array.from(out.subarray(2))).toEqual(expected(op, input, received, 1));
        expect(out[0]).toBe(0);
      }
    }
  });

  it('divides for mean, works in place, and keeps NaN and signed zeros as JavaScript does', () => {
    const input = new Float32Array([1, 2, NaN, -0, 5, 6, 7, 8.5, 9]);
    const received = new Float32Array([1, NaN, 1, 0, 5, 6, 7, 8.25, 10]);
    load(kernels, received);
    kernels.combine('sum', input, 0, input, 0, input.length, 3);
    expect(Array.from(input)).toEqual(expected('sum', new Float32Array([1, 2, NaN, -0, 5, 6, 7, 8.5, 9]), received, 3));
    const maxInput = new Float32Array([NaN, 1, -0, 0, 3]);
    const maxReceived = new Float32Array([1, NaN, 0, -0, 2]);
    load(kernels, maxReceived);
    const out = new Float32Array(5);
    kernels.combine('max', out, 0, maxInput, 0, 5);
    expect(Array.from(out)).toEqual(expected('max', maxInput, maxReceived, 1));
  });

  it('refuses segments larger than its scratch and division of integers', () => {
    expect(() => kernels.combine('sum', new Float32Array(100), 0, new Float32Array(100), 0, 65)).toThrow(/exceed the segment size 64/);
    expect(() => kernels.combine('sum', new Int32Array(4), 0, new Int32Array(4), 0, 4, 2)).toThrow(/only float32 values can be divided/);
    expect(() => new ReduceKernels(6)).toThrow(/multiple of 4/);
  });
});
