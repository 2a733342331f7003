/**
 * A tiny WebAssembly module, assembled here byte by byte, with SIMD loops for the reductions:
 * JavaScript loops over typed arrays reach ~0.5 G elements/s on our machines, 128-bit lanes several times that.
 * Exports `memory` and, for f32 and i32: sum/min/max(dst, src, nbytes) computing dst = op(dst, src)
 * over 16-byte steps, plus divF32(dst, nbytes, divisor). Callers keep offsets and sizes 16-byte aligned.
 */

const I32 = 0x7f;
const F32 = 0x7d;
const V128 = 0x7b;
const SIMD_PREFIX = 0xfd;

/** Opcodes after the 0xfd prefix (WebAssembly SIMD proposal, final numbering). */
const SIMD_BINARY_OPS = {
  sumF32: 0xe4,
  minF32: 0xe8,
  maxF32: 0xe9,
  sumI32: 0xae,
  minI32: 0xb6,
  maxI32: 0xb8,
} as const;

export type SimdBinaryKernel = keyof typeof SIMD_BINARY_OPS;

/** The slice of the WebAssembly API we use (our TypeScript libs do not declare it). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

export interface SimdExports {
  memory: WasmMemory;
  divF32(dst: number, nbytes: number, divisor: number): void;
  [name: string]: unknown;
}

function uleb(value: number): number[] {
  const out: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    out.push(byte);
  } while (value !== 0);
  return out;
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function name(text: string): number[] {
  const bytes = [...new TextEncoder().encode(text)];
  return [...uleb(bytes.length), ...bytes];
}

const LOAD = [SIMD_PREFIX, 0x00, 4, 0];
const STORE = [SIMD_PREFIX, 0x0b, 4, 0];
const get = (index: number) => [0x20, index];
const set = (index: number) => [0x21, index];
const advance = (index: number) => [...get(index), 0x41, 16, 0x6a, ...set(index)];

/** while (dst < end) { *dst = op(*dst, *src); dst += 16; src += 16 } with params (dst, src, nbytes), local end. */
function binaryBody(opcode: number): number[] {
  return [
    ...vector([[1, I32]]),
    ...get(0), ...get(2), 0x6a, ...set(3),
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(3), 0x4f, 0x0d, 1,
    ...get(0), ...get(0), ...LOAD, ...get(1), ...LOAD, SIMD_PREFIX, ...uleb(opcode), ...STORE,
    ...advance(0), ...advance(1),
    0x0c, 0, 0x0b, 0x0b, 0x0b,
  ];
}

/** while (dst < end) { *dst = *dst / splat(divisor); dst += 16 } with params (dst, nbytes, divisor). */
function divideBody(): number[] {
  return [
    ...vector([[1, I32], [1, V128]]),
    ...get(0), ...get(1), 0x6a, ...set(3),
    ...get(2), SIMD_PREFIX, 0x13, ...set(4),
    0x02, 0x40, 0x03, 0x40,
    ...get(0), ...get(3), 0x4f, 0x0d, 1,
    ...get(0), ...get(0), ...LOAD, ...get(4), SIMD_PREFIX, ...uleb(0xe7), ...STORE,
    ...advance(0),
    0x0c, 0, 0x0b, 0x0b, 0x0b,
  ];
}

function moduleBytes(): Uint8Array {
  const binary = Object.entries(SIMD_BINARY_OPS);
  const functionTypes = [...binary.map(() => [0]), [1]];
  const bodies = [...binary.map(([, opcode]) => binaryBody(opcode)), divideBody()];
  const exports = [[...name('memory'), 2, 0], ...binary.map(([kernel], index) => [...name(kernel), 0, index]), [...name('divF32'), 0, binary.length]];
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector([[0x60, 3, I32, I32, I32, 0], [0x60, 3, I32, I32, F32, 0]])),
    ...section(3, vector(functionTypes)),
    ...section(5, vector([[0x00, 1]])),
    ...section(7, vector(exports)),
    ...section(10, vector(bodies.map((body) => [...uleb(body.length), ...body]))),
  ]);
}

let compiled: object | null | undefined;

/** A fresh instance with its own memory, or null where this runtime lacks WebAssembly SIMD. */
export function instantiateSimd(): SimdExports | null {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (compiled === undefined) {
    const bytes = moduleBytes();
    compiled = wasm?.validate(bytes) ? new wasm.Module(bytes) : null;
  }
  if (!wasm || compiled === null) return null;
  return new wasm.Instance(compiled, {}).exports as SimdExports;
}
