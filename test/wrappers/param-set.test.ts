import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ParamSet } from '../../src/wrappers/param-set.js';

function mlp(): tf.Sequential {
  return tf.sequential({
    layers: [
      tf.layers.dense({ units: 4, inputShape: [3] }),
      tf.layers.batchNormalization(),
      tf.layers.dense({ units: 2, useBias: false }),
    ],
  });
}

describe('ParamSet names', () => {
  it('names layer weights layers.<i>.<weight>, the same in every model built alike', () => {
    const first = new ParamSet(mlp());
    const second = new ParamSet(mlp());
    const expected = [
      'layers.0.kernel',
      'layers.0.bias',
      'layers.1.gamma',
      'layers.1.beta',
      'layers.1.moving_mean',
      'layers.1.moving_variance',
      'layers.2.kernel',
    ];
    expect(first.names).toEqual(expected);
    expect(second.names).toEqual(expected);
    // The engine names differ (tfjs counts layers per process); ours do not.
    expect(second.variables[0].name).not.toBe(first.variables[0].name);
  });

  it('maps names to the engine variables and back', () => {
    const model = mlp();
    const params = new ParamSet(model);
    const kernel = params.variable('layers.2.kernel')!;
    expect(kernel).toBeInstanceOf(tf.Variable);
    expect(kernel.shape).toEqual([4, 2]);
    expect(kernel).toBe((model.layers[2].weights[0] as unknown as { val: tf.Variable }).val);
    expect(params.nameOf(kernel.name)).toBe('layers.2.kernel');
    expect(params.variable('layers.9.kernel')).toBeUndefined();
    expect(params.nameOf('no-such-variable')).toBeUndefined();
  });

  it('lists only trainable variables as trainable', () => {
    const params = new ParamSet(mlp());
    expect(params.trainable.map((v) => params.nameOf(v.name))).toEqual(['layers.0.kernel', 'layers.0.bias', 'layers.1.gamma', 'layers.1.beta', 'layers.2.kernel']);
  });

  it('names arrays params.<i> and records by their keys', () => {
    const a = tf.variable(tf.zeros([2]));
    const b = tf.variable(tf.ones([1]));
    expect(new ParamSet([a, b]).names).toEqual(['params.0', 'params.1']);
    const record = new ParamSet({ w: a, bias: b });
    expect(record.names).toEqual(['w', 'bias']);
    expect(record.variable('bias')).toBe(b);
    tf.dispose([a, b]);
  });

  it('rejects what is not a model or variables', () => {
    const t = tf.zeros([1]);
    expect(() => new ParamSet({ w: t } as unknown as Record<string, tf.Variable>)).toThrow(/'w' is not a tf\.Variable/);
    expect(() => new ParamSet(42 as unknown as tf.Variable[])).toThrow(TypeError);
    t.dispose();
  });
});

describe('ParamSet gradients', () => {
  it('accumulates by adding, frees what it replaces, and zeroGrad frees the rest', () => {
    const w = tf.variable(tf.zeros([2]));
    const params = new ParamSet({ w });
    const start = tf.memory().numTensors;
    params.accumulate(new Map([['w', tf.tensor1d([1, 2])]]));
    params.accumulate(new Map([['w', tf.tensor1d([10, 20])]]));
    params.accumulate(new Map([['w', tf.tensor1d([100, 200])]]));
    expect(Array.from(params.grads.get('w')!.dataSync())).toEqual([111, 222]);
    expect(tf.memory().numTensors).toBe(start + 1);
    params.zeroGrad();
    expect(params.grads.size).toBe(0);
    expect(tf.memory().numTensors).toBe(start);
    w.dispose();
  });
});
