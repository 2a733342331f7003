/**
 * The arithmetic of reductions: dst = op(input, received) over one segment, optionally divided (mean).
 * Received bytes land in `scratch` (the socket reads straight into it); the input segment is staged next to it
 * in WebAssembly memory, reduced with SIMD, and copied to its destination. A plain JavaScript path does the
 * same where SIMD is missing and for the last elements that do not fill a 16-byte lane.
 */
import { instantiateSimd, type SimdExports } from './simd-module.js';
import type { NumericArray } from './types.js';

export type CombineOp = 'sum' | 'max' | 'min';

/** Elements per pipelined segment: 256 KiB of float32, small enough to stay in cache. */
export const SEGMENT_ELEMENTS = 65536;

const WASM_PAGE = 65536;

export class ReduceKernels {
  readonly segmentElements: number;
  /** Where the socket writes one received segment (a view into WebAssembly memory when SIMD is on). */
  readonly scratch: Uint8Array;
  readonly simd: boolean;
  private readonly wasm: SimdExports | null;
  private readonly scratchF32: Float32Array;
  private readonly scratchI32: Int32Array;
  private readonly stageF32: Float32Array;
  private readonly stageI32: Int32Array;
  private readonly stageOffset: number;

  constructor(segmentElements = SEGMENT_ELEMENTS, useSimd = true) {
    if (!Number.isInteger(segmentElements) || segmentElements < 4 || segmentElements % 4 !== 0) {
      throw new RangeError(`segmentElements must be a positive multiple of 4, got ${segmentElements}.`);
    }
    this.segmentElements = segmentElements;
    const bytes = segmentElements * 4;
    this.wasm = useSimd ? instantiateSimd() : null;
    this.simd = this.wasm !== null;
    let buffer: ArrayBuffer;
    if (this.wasm) {
      const pages = Math.ceil((2 * bytes) / WASM_PAGE);
      this.wasm.memory.grow(pages - this.wasm.memory.buffer.byteLength / WASM_PAGE);
      buffer = this.wasm.memory.buffer;
    } else {
      buffer = new ArrayBuffer(2 * bytes);
    }
    this.stageOffset = bytes;
    this.scratch = new Uint8Array(buffer, 0, bytes);
    this.scratchF32 = new Float32Array(buffer, 0, segmentElements);
    this.scratchI32 = new Int32Array(buffer, 0, segmentElements);
    this.stageF32 = new Float32Array(buffer, bytes, segmentElements);
    this.stageI32 = new Int32Array(buffer, bytes, segmentElements);
  }

  /**
   * dst[dstIndex + i] = op(input[inputIndex + i], scratch[i]) for i < count, then / divisor when divisor != 1.
   * `dst` may be `input` (in place). The scratch holds the received elements, same dtype as input.
   */
  combine(op: CombineOp, dst: NumericArray, dstIndex: number, input: NumericArray, inputIndex: number, count: number, divisor = 1): void {
    if (count > this.segmentElements) throw new RangeError(`combine: ${count} elements exceed the segment size ${this.segmentElements}.`);
    const isFloat = input instanceof Float32Array;
    if (divisor !== 1 && !isFloat) throw new TypeError('combine: only float32 values can be divided (mean).');
    const stage = isFloat ? this.stageF32 : this.stageI32;
    const received = isFloat ? this.scratchF32 : this.scratchI32;
    stage.set(input.subarray(inputIndex, inputIndex + count));
    const lanes = count - (count % 4);
    if (this.wasm && lanes > 0) {
      const kernel = this.wasm[`${op}${isFloat ? 'F32' : 'I32'}`] as (dst: number, src: number, nbytes: number) => void;
      kernel(this.stageOffset, 0, lanes * 4);
      if (divisor !== 1) this.wasm.divF32(this.stageOffset, lanes * 4, divisor);
      combineTail(op, stage, received, lanes, count, isFloat, divisor);
    } else {
      combineTail(op, stage, received, 0, count, isFloat, divisor);
    }
    dst.set(stage.subarray(0, count), dstIndex);
  }
}

/** stage[i] = op(stage[i], received[i]) for from <= i < to, in JavaScript (the reference semantics). */
function combineTail(op: CombineOp, stage: NumericArray, received: NumericArray, from: number, to: number, isFloat: boolean, divisor: number): void {
  if (op === 'sum') {
    if (isFloat) for (let i = from; i < to; i++) stage[i] += received[i];
    else for (let i = from; i < to; i++) stage[i] = (stage[i] + received[i]) | 0;
  } else if (op === 'max') {
    for (let i = from; i < to; i++) stage[i] = Math.max(stage[i], received[i]);
  } else {
    for (let i = from; i < to; i++) stage[i] = Math.min(stage[i], received[i]);
  }
  if (divisor !== 1) for (let i = from; i < to; i++) stage[i] /= divisor;
}
