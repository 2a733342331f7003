import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { float32ToBfloat16Bits, float32ToFloat16Bits, fromHalfBits, roundTensor, roundToHalf, toHalfBits } from '../../src/precision/rounding.js';

/** A float32 from its bit pattern, for values a decimal literal cannot pin down. */
function f32(bits: number): number {
  return new Float32Array(new Uint32Array([bits]).buffer)[0]!;
}

describe('float32ToFloat16Bits', () => {
  it('encodes exact values, the max finite and the smallest subnormal', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400); // smallest normal
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(float32ToFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff); // largest subnormal
  });

  it('overflows to inf and underflows to zero as round-to-nearest-even says', () => {
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff); // below the halfway point 65520
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00); // the tie goes to the even pattern: inf
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e6)).toBe(0xfc00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24: even is 0
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 ulps: even is 2
    expect(float32ToFloat16Bits(1e-10)).toBe(0x0000);
  });

  it('rounds ties to even in the normal range', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // halfway between 1 and 1+2^-10: keep even 1
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // halfway between 1+2^-10 and 1+2^-9: go to even
    expect(float32ToFloat16Bits(f32(0x3f801001))).toBe(0x3c01); // just above the tie rounds up
    expect(float32ToFloat16Bits(2047 * 2 ** -11 + 2 ** -12)).toBe(0x3c00); // carry into the exponent: 1.0
  });

  it('keeps inf, NaN and the sign of zero', () => {
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    const nan = float32ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x03ff).not.toBe(0);
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
  });
});

describe('float32ToBfloat16Bits', () => {
  it('encodes exact values and the extremes', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(-2)).toBe(0xc000);
    expect(float32ToBfloat16Bits(f32(0x7f7f0000))).toBe(0x7f7f); // max finite bf16, about 3.39e38
    expect(float32ToBfloat16Bits(f32(0x00010000))).toBe(0x0001); // smallest subnormal, 2^-133
    expect(float32ToBfloat16Bits(f32(0x00008000))).toBe(0x0000); // tie with zero: even is zero
    expect(float32ToBfloat16Bits(f32(0x00018000))).toBe(0x0002); // tie between 1 and 2: even is 2
  });

  it('rounds to nearest, ties to even, and overflows to inf', () => {
    expect(float32ToBfloat16Bits(f32(0x3f808000))).toBe(0x3f80); // tie: keep even 0x3f80
    expect(float32ToBfloat16Bits(f32(0x3f818000))).toBe(0x3f82); // tie: go to even 0x3f82
    expect(float32ToBfloat16Bits(f32(0x3f808001))).toBe(0x3f81);
    expect(float32ToBfloat16Bits(f32(0x3f807fff))).toBe(0x3f80);
    expect(float32ToBfloat16Bits(f32(0x7f7fffff))).toBe(0x7f80); // float32 max rounds past bf16 max: inf
  });

  it('keeps inf, NaN and the sign of zero', () => {
    expect(float32ToBfloat16Bits(Infinity)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(-Infinity)).toBe(0xff80);
    expect(float32ToBfloat16Bits(f32(0x7f800001))).toBe(0x7fc0); // a signalling NaN whose payload would truncate to inf stays NaN
    expect(Number.isNaN(fromHalfBits(toHalfBits([NaN], 'bf16'), 'bf16')[0])).toBe(true);
    expect(float32ToBfloat16Bits(0)).toBe(0x0000);
    expect(float32ToBfloat16Bits(-0)).toBe(0x8000);
  });
});

describe('array and tensor helpers', () => {
  it('round trips through the bits and widens exactly', () => {
    const values = new Float32Array([1, 65504, 2 ** -24, -0, Infinity, 0.1]);
    const f16 = roundToHalf(values, 'f16');
    expect(Array.from(f16.slice(0, 5))).toEqual([1, 65504, 2 ** -24, -0, Infinity]);
    expect(Object.is(f16[3], -0)).toBe(true);
    expect(f16[5]).toBe(0.0999755859375);
    expect(roundToHalf(values, 'bf16')[5]).toBe(0.10009765625);
    expect(Array.from(toHalfBits(values, 'f16'))).toEqual([0x3c00, 0x7bff, 0x0001, 0x8000, 0x7c00, 0x2e66]);
  });

  it('roundTensor returns rounded float32 values and passes gradients straight through', () => {
    const before = tf.memory().numTensors;
    const x = tf.tensor1d([0.1, 70000, 1 + 2 ** -11]);
    const rounded = roundTensor(x, 'f16');
    expect(rounded.dtype).toBe('float32');
    expect(Array.from(rounded.dataSync())).toEqual([0.0999755859375, Infinity, 1]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(roundTensor(t, 'bf16'), 3)))(x);
    expect(Array.from(grad.dataSync())).toEqual([3, 3, 3]);
    tf.dispose([x, rounded, grad]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
