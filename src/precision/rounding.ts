import * as tf from '@tensorflow/tfjs';
import { bfloat16BitsToFloat32, float16BitsToFloat32 } from '../checkpoint/safetensors.js';

/** The two 16-bit float formats: bfloat16 (8 exponent bits) and IEEE half (5 exponent bits). */
export type HalfFormat = 'bf16' | 'f16';

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** bfloat16 bits of a float32, rounded to nearest even; NaN stays a (quiet) NaN, overflow becomes inf. */
export function float32ToBfloat16Bits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0]!;
  if ((bits & 0x7fffffff) > 0x7f800000) return ((bits >>> 16) | 0x0040) & 0xffff;
  return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
}

/** IEEE half bits of a float32, rounded to nearest even; overflow becomes inf, subnormals are kept. */
export function float32ToFloat16Bits(value: number): number {
  scratch[0] = value;
  const bits = scratchBits[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  const halfExponent = exponent - 127 + 15;
  if (halfExponent >= 31) return sign | 0x7c00;
  if (halfExponent <= 0) {
    // Below 2^-25 everything rounds to zero (2^-25 itself is a tie that goes to the even zero).
    if (halfExponent < -10) return sign;
    const full = mantissa | 0x800000;
    const shift = 14 - halfExponent;
    return sign | roundShift(full, shift);
  }
  // A carry out of the mantissa bumps the exponent, up to inf: exactly what rounding should do.
  return sign | roundShift((halfExponent << 23) | mantissa, 13);
}

/** value >> shift, rounded to nearest, ties to even. */
function roundShift(value: number, shift: number): number {
  const quotient = value >>> shift;
  const remainder = value & ((1 << shift) - 1);
  const half = 1 << (shift - 1);
  return remainder > half || (remainder === half && (quotient & 1) === 1) ? quotient + 1 : quotient;
}

export function toHalfBits(values: ArrayLike<number>, format: HalfFormat): Uint16Array {
  const encode = format === 'bf16' ? float32ToBfloat16Bits : float32ToFloat16Bits;
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = encode(values[i]!);
  return out;
}

export function fromHalfBits(bits: Uint16Array, format: HalfFormat): Float32Array {
  const decode = format === 'bf16' ? bfloat16BitsToFloat32 : float16BitsToFloat32;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = decode(bits[i]!);
  return out;
}

/** The float32 values the 16-bit format would hold (a round trip through its bits). */
export function roundToHalf(values: ArrayLike<number>, format: HalfFormat): Float32Array {
  return fromHalfBits(toHalfBits(values, format), format);
}

/**
 * A float32 tensor holding `tensor`'s values rounded to the 16-bit format. Gradients pass straight
 * through (rounding has derivative 1 almost everywhere), so it can sit inside a forward pass.
 */
export function roundTensor(tensor: tf.Tensor, format: HalfFormat): tf.Tensor {
  if (tensor.dtype !== 'float32') return tensor.clone();
  const straightThrough = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const x = args[0] as tf.Tensor;
    return { value: tf.tensor(roundToHalf(x.dataSync(), format), x.shape, 'float32'), gradFunc: (dy: tf.Tensor) => dy };
  });
  return straightThrough(tensor);
}

/** Rounds the tensors `value` holds (a tensor, an array or a record of them); anything else passes unchanged. */
export function roundOutputs<T>(value: T, format: HalfFormat): T {
  if (value instanceof tf.Tensor) return roundTensor(value, format) as T;
  if (Array.isArray(value)) return value.map((item) => (item instanceof tf.Tensor ? roundTensor(item, format) : item)) as T;
  if (value && typeof value === 'object' && Object.values(value).every((item) => item instanceof tf.Tensor)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, roundTensor(item as tf.Tensor, format)])) as T;
  }
  return value;
}

/** Replaces each variable's values with their 16-bit rounding, in place. */
export function roundVariables(variables: tf.Variable[], format: HalfFormat): void {
  for (const variable of variables) {
    if (variable.dtype !== 'float32') continue;
    const rounded = tf.tensor(roundToHalf(variable.dataSync(), format), variable.shape, 'float32');
    variable.assign(rounded);
    rounded.dispose();
  }
}

/** Runs `fn` under tf.tidy, rounding the tensors it returns (what `fabric.autocast` does under 16-bit precisions). */
export function autocastTo<T>(format: HalfFormat, fn: () => T): T {
  return tf.tidy(() => roundOutputs(fn(), format) as unknown as tf.TensorContainer) as unknown as T;
}
