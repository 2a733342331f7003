import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { DynamicLossScaler } from '../../src/precision/loss-scaler.js';
import { MixedPrecision } from '../../src/precision/half-mixed.js';

function grads(...values: number[]): Map<string, tf.Tensor> {
  return new Map(values.map((v, i) => [`g${i}`, tf.scalar(v)]));
}

describe('DynamicLossScaler', () => {
  it('starts at 2^16, unscales gradients in place and notices inf/NaN', () => {
    const scaler = new DynamicLossScaler();
    expect(scaler.scale).toBe(2 ** 16);
    const finite = grads(2 ** 16, -(2 ** 17));
    expect(scaler.unscale(finite)).toBe(true);
    expect([...finite.values()].map((g) => g.dataSync()[0])).toEqual([1, -2]);
    const bad = grads(1, Number.NaN);
    expect(scaler.unscale(bad)).toBe(false);
    expect(scaler.foundInf).toBe(true);
    tf.dispose([...finite.values(), ...bad.values()]);
  });

  it('a precision with a scaler skips the step on inf, backs off, then grows after growthInterval good steps', () => {
    const scaler = new DynamicLossScaler({ initScale: 8, growthFactor: 2, backoffFactor: 0.5, growthInterval: 3 });
    const precision = new MixedPrecision('f16', scaler);
    let applied = 0;
    const step = (value: number) => {
      const g = grads(value);
      precision.unscaleGradients(g);
      tf.dispose([...g.values()]);
      return precision.optimizerStep(() => applied++);
    };
    expect(step(Infinity)).toBe(false);
    expect(applied).toBe(0);
    expect(scaler.scale).toBe(4);
    expect(step(1)).toBe(true);
    expect(step(1)).toBe(true);
    expect(scaler.scale).toBe(4);
    expect(precision.stateDict()).toEqual({ lossScaler: { scale: 4, growthTracker: 2 } });
    expect(step(1)).toBe(true);
    expect(scaler.scale).toBe(8);
    expect(applied).toBe(3);
    expect(scaler.growthTracker).toBe(0);
  });

  it('restores its state and refuses a malformed one', () => {
    const scaler = new DynamicLossScaler();
    scaler.loadStateDict({ scale: 1024, growthTracker: 17 });
    expect([scaler.scale, scaler.growthTracker]).toEqual([1024, 17]);
    expect(() => scaler.loadStateDict({ scale: -1, growthTracker: 0 })).toThrow(FabricUserError);
  });

  it('two optimizers stepping on one backward both skip an inf, and the scale backs off once', () => {
    const scaler = new DynamicLossScaler({ initScale: 8, growthFactor: 2, backoffFactor: 0.5, growthInterval: 1 });
    const precision = new MixedPrecision('f16', scaler);
    const g = grads(Infinity);
    precision.unscaleGradients(g);
    let applied = 0;
    expect([precision.optimizerStep(() => applied++), precision.optimizerStep(() => applied++)]).toEqual([false, false]);
    expect([applied, scaler.scale]).toEqual([0, 4]);
    const fine = grads(1);
    precision.unscaleGradients(fine);
    expect([precision.optimizerStep(() => applied++), precision.optimizerStep(() => applied++)]).toEqual([true, true]);
    expect([applied, scaler.scale]).toEqual([2, 8]);
    tf.dispose([...g.values(), ...fine.values()]);
  });
});
