import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { FullPrecision } from '../../src/precision/full.js';
import { createPrecision, registerPrecision } from '../../src/precision/registry.js';

describe('createPrecision', () => {
  it('32-true is full precision: the loss and the forward pass are untouched', () => {
    const precision = createPrecision('32-true');
    expect(precision).toBeInstanceOf(FullPrecision);
    expect(precision.name).toBe('32-true');
    const loss = tf.scalar(1.25);
    expect(precision.scaleLoss(loss)).toBe(loss);
    expect(precision.unscaleGradients(new Map())).toBe(true);
    expect(precision.autocast(() => 7)).toBe(7);
    expect(precision.stateDict()).toEqual({});
    loss.dispose();
  });

  it('64-true explains that TensorFlow.js has no float64', () => {
    expect(() => createPrecision('64-true')).toThrow(FabricUserError);
    expect(() => createPrecision('64-true')).toThrow(/float64.*--precision=32-true/);
  });

  it('transformer-engine explains that fp8 is out of reach', () => {
    for (const name of ['transformer-engine', 'transformer-engine-float16']) {
      expect(() => createPrecision(name)).toThrow(FabricUserError);
      expect(() => createPrecision(name)).toThrow(/Transformer Engine \(fp8\)/);
    }
  });

  it('an unregistered precision lists the available ones', () => {
    expect(() => createPrecision('4-bit')).toThrow(/--precision=4-bit is not available.*32-true/);
  });

  it('registers new precisions and refuses duplicates', () => {
    registerPrecision('test-precision', () => new FullPrecision(), 'for this test');
    expect(createPrecision('test-precision')).toBeInstanceOf(FullPrecision);
    expect(() => registerPrecision('32-true', () => new FullPrecision(), 'again')).toThrow(/already registered/);
  });

  it('registers the 16-bit precisions under their Lightning names with their 16-bit format', () => {
    expect(['bf16-mixed', '16-mixed', 'bf16-true', '16-true'].map((n) => createPrecision(n).halfFormat)).toEqual(['bf16', 'f16', 'bf16', 'f16']);
    expect(createPrecision('16-mixed').lossScale()).toBe(2 ** 16);
    expect(createPrecision('bf16-mixed').lossScale()).toBe(1);
  });
});
