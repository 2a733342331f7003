/** Value types shared by every collective (no tfjs here: the strategies convert tensors). */

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

export type NumericArray = Float32Array | Int32Array;

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type OpName = 'allReduce' | 'reduceScatter' | 'allGather' | 'broadcast' | 'barrier';

/** How an array travels on the wire; 'json' is UTF-8 text, 'none' an op without payload. */
export type WireDtype = 'float32' | 'int32' | 'json' | 'none';

export function dtypeOf(data: NumericArray): 'float32' | 'int32' {
  return data instanceof Float32Array ? 'float32' : 'int32';
}

export function isNumericArray(value: unknown): value is NumericArray {
  return value instanceof Float32Array || value instanceof Int32Array;
}

/** A byte view over part of a typed array: no copy. */
export function bytesOf(data: NumericArray, start = 0, end = data.length): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset + start * 4, (end - start) * 4);
}

export function newArrayLike<T extends NumericArray>(like: T, length: number): T {
  return (like instanceof Float32Array ? new Float32Array(length) : new Int32Array(length)) as T;
}
