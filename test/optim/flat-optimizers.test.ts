import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamw } from '../../src/optim/adamw-optimizer.js';
import { flatOptimizerFor } from '../../src/optim/from-tfjs.js';
import { userErrorOf } from '../helpers/user-error.js';

/** Deterministic pseudo-random values in [-1, 1). */
function values(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

/** Runs `steps` updates with the tfjs optimizer and with its flat twin on the same gradients; returns both final parameters. */
function runBoth(makeOptimizer: () => tf.Optimizer, steps: number): { tfjs: Float32Array; flat: Float32Array } {
  const shapes = [[7, 5], [5], [3, 2, 2]];
  const initial = shapes.map((shape, i) => values(shape.reduce((a, b) => a * b, 1), 100 + i));
  const variables = shapes.map((shape, i) => tf.variable(tf.tensor(initial[i]!, shape)));
  const optimizer = makeOptimizer();
  const flatOptimizer = flatOptimizerFor(optimizer);
  const flatParams = Float32Array.from(initial.flatMap((a) => [...a]));
  const state = flatOptimizer.createState(flatParams.length);
  for (let step = 0; step < steps; step++) {
    // Gradients that change sign and scale over time, as real ones do.
    const grads = variables.map((v, i) => values(v.size, step * 31 + i).map((x) => x * (1 + (step % 7))));
    tf.tidy(() => optimizer.applyGradients(variables.map((v, i) => ({ name: v.name, tensor: tf.tensor(grads[i]!, v.shape) }))));
    flatOptimizer.step(flatParams, Float32Array.from(grads.flatMap((g) => [...g])), state);
  }
  const tfjs = Float32Array.from(variables.flatMap((v) => [...(v.dataSync() as Float32Array)]));
  expect(state.iterations).toBe(optimizer.iterations);
  tf.dispose(variables);
  optimizer.dispose();
  return { tfjs, flat: flatParams };
}

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(a[i]!), 1e-3));
  return worst;
}

describe('flat optimizers match tfjs over 100 steps', () => {
  const cases: [string, () => tf.Optimizer][] = [
    ['sgd', () => tf.train.sgd(0.01)],
    ['momentum', () => tf.train.momentum(0.01, 0.9)],
    ['nesterov', () => tf.train.momentum(0.01, 0.9, true)],
    ['adam', () => tf.train.adam(0.001)],
    ['adam with custom betas', () => tf.train.adam(0.003, 0.8, 0.95, 1e-6)],
    ['adamw', () => adamw(0.001, { weightDecay: 0.05 })],
  ];
  for (const [name, make] of cases) {
    it(name, () => {
      const { tfjs, flat } = runBoth(make, 100);
      expect(maxRelativeError(tfjs, flat)).toBeLessThan(1e-6);
    });
  }

  it('AdamW decays the weights while Adam with the same settings does not', () => {
    const withDecay = runBoth(() => adamw(0.01, { weightDecay: 0.5 }), 10);
    const without = runBoth(() => tf.train.adam(0.01), 10);
    expect(maxRelativeError(withDecay.tfjs, without.tfjs)).toBeGreaterThan(1e-3);
  });
});

describe('flatOptimizerFor', () => {
  it('refuses an optimizer it has no flat version of, naming the ones it has', () => {
    const message = userErrorOf(() => flatOptimizerFor(tf.train.rmsprop(0.01)));
    expect(message).toMatch(/RMSProp optimizer cannot be sharded/);
    expect(message).toMatch(/--strategy=ddp/);
  });
});
