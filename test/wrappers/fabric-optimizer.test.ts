import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { FabricOptimizer } from '../../src/wrappers/fabric-optimizer.js';
import { ParamSet } from '../../src/wrappers/param-set.js';

function setup(optimizer: tf.Optimizer = tf.train.sgd(1)) {
  const a = tf.variable(tf.tensor1d([1, 2]));
  const b = tf.variable(tf.tensor1d([10]));
  const frozen = tf.variable(tf.tensor1d([5]), false);
  const params = new ParamSet({ a, b, frozen });
  const onStep = vi.fn();
  return { a, b, frozen, params, onStep, wrapped: new FabricOptimizer(optimizer, params, onStep) };
}

describe('FabricOptimizer.step', () => {
  it('applies the accumulated gradients to the trainable parameters', async () => {
    const { a, b, frozen, params, wrapped, onStep } = setup();
    params.accumulate(new Map([['a', tf.tensor1d([0.5, 1])], ['b', tf.tensor1d([2])], ['frozen', tf.tensor1d([1])]]));
    await wrapped.step();
    expect(Array.from(a.dataSync())).toEqual([0.5, 1]);
    expect(Array.from(b.dataSync())).toEqual([8]);
    expect(Array.from(frozen.dataSync())).toEqual([5]);
    expect(onStep).toHaveBeenCalledWith(wrapped);
    expect(wrapped.stepCount).toBe(1);
    wrapped.zeroGrad();
    expect(params.grads.size).toBe(0);
    tf.dispose([a, b, frozen]);
  });

  it('passes gradients in parameter order whatever order they arrived in', async () => {
    const optimizer = tf.train.adam(0.1);
    const apply = vi.spyOn(optimizer, 'applyGradients');
    const { a, b, frozen, params, wrapped } = setup(optimizer);
    params.accumulate(new Map([['b', tf.tensor1d([2])]]));
    params.accumulate(new Map([['a', tf.tensor1d([1, 1])]]));
    await wrapped.step();
    const passed = apply.mock.calls[0][0] as { name: string; tensor: tf.Tensor }[];
    expect(passed.map((g) => g.name)).toEqual([a.name, b.name]);
    expect(passed[1].tensor).toBe(params.grads.get('b'));
    wrapped.zeroGrad();
    tf.dispose([a, b, frozen]);
  });

  it('says to call backward first when there are no gradients', async () => {
    const { a, b, frozen, wrapped, onStep } = setup();
    await expect(wrapped.step()).rejects.toThrow(/fabric\.backward/);
    expect(onStep).not.toHaveBeenCalled();
    expect(wrapped.stepCount).toBe(0);
    tf.dispose([a, b, frozen]);
  });

  it('reports the learning rate', () => {
    const { a, b, frozen, wrapped } = setup(tf.train.sgd(0.25));
    expect(wrapped.getLearningRate()).toBe(0.25);
    tf.dispose([a, b, frozen]);
  });
});
