import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { adamw } from '../../../src/optim/adamw-optimizer.js';
import { FlatLayout } from '../../../src/optim/flat-layout.js';
import { flatOptimizerFor } from '../../../src/optim/from-tfjs.js';
import { NativeFusedUpdate } from '../../../src/optim/native/fused-update.js';

/** Deterministic pseudo-random values in [-1, 1). */
function values(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  return Float32Array.from({ length }, () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 31 - 1;
  });
}

const SHAPES = [[7, 5], [5], [3, 2, 2]];
const layout = new FlatLayout(['a', 'b', 'c'], SHAPES);
const initial = () => SHAPES.map((shape, i) => tf.variable(tf.tensor(values(layout.sizes[i]!, 100 + i), shape)));
const gradsAt = (step: number) => SHAPES.map((shape, i) => tf.tensor(values(layout.sizes[i]!, step * 31 + i).map((x) => x * (1 + (step % 7))), shape));

function maxRelativeError(a: Float32Array, b: Float32Array): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(a[i]!), 1e-3));
  return worst;
}
const flatValues = (vs: tf.Variable[]) => Float32Array.from(vs.flatMap((v) => [...(v.dataSync() as Float32Array)]));

// Runs on the engine under test; the comparison needs tfjs-node (FABRIC_TFJS_BACKEND=tensorflow, the `native` project).
const native = tf.getBackend() === 'tensorflow';

describe('NativeFusedUpdate', () => {
  it('is offered only on tfjs-node', () => {
    expect(NativeFusedUpdate.for(flatOptimizerFor(tf.train.adam(0.001))) !== undefined).toBe(native);
  });

  // SGD and momentum are bit-identical to tfjs. Adam's kernel rounds in another order: after 100 steps it is 1.1e-6
  // from tfjs, and closer than tfjs to the float64 result (7.9e-7 vs 1.1e-6, checked below). Nesterov: 6.4e-6.
  const cases: [string, () => tf.Optimizer, number][] = [
    ['sgd', () => tf.train.sgd(0.01), 0],
    ['momentum', () => tf.train.momentum(0.01, 0.9), 0],
    ['nesterov', () => tf.train.momentum(0.01, 0.9, true), 1e-5],
    ['adam', () => tf.train.adam(0.001), 2e-6],
    ['adam with custom betas', () => tf.train.adam(0.003, 0.8, 0.95, 1e-6), 2e-6],
    ['adamw', () => adamw(0.001, { weightDecay: 0.05 }), 2e-6],
  ];
  for (const [name, make, tolerance] of cases) {
    it.runIf(native)(`${name}: within ${tolerance} of tfjs over 100 steps, slots readable as the flat state, no tensor left behind`, async () => {
      const optimizer = make();
      const flat = flatOptimizerFor(optimizer);
      const update = NativeFusedUpdate.for(flat)!;
      const state = flat.createState(layout.total);
      const [byTfjs, byNative] = [initial(), initial()];
      let before = 0;
      for (let step = 0; step < 100; step++) {
        const grads = gradsAt(step);
        tf.tidy(() => optimizer.applyGradients(byTfjs.map((v, i) => ({ name: v.name, tensor: grads[i]! }))));
        update.step(byNative, grads, state, layout);
        tf.dispose(grads);
        if (step === 1) before = tf.memory().numTensors;
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(maxRelativeError(flatValues(byTfjs), flatValues(byNative))).toBeLessThanOrEqual(tolerance);
      expect(state.iterations).toBe(optimizer.iterations);
      // The slots tfjs keeps (getWeights: iterations, then each slot per variable) equal ours once copied out (a wrong
      // layout would be off by O(1); moments near zero differ by rounding).
      update.copySlotsInto(state, layout);
      const tfjsSlots = (await optimizer.getWeights()).slice(1);
      for (const [k, slot] of flat.slotNames.entries()) {
        const theirs = Float32Array.from(byTfjs.flatMap((_, i) => [...(tfjsSlots[k * byTfjs.length + i]!.tensor.dataSync() as Float32Array)]));
        expect(maxRelativeError(theirs, state.slots[slot]!), slot).toBeLessThan(1e-4);
      }
      tf.dispose([...byTfjs, ...byNative]);
      optimizer.dispose();
    });
  }

  it.runIf(native)('Adam ends closer to the float64 result than tfjs itself does', () => {
    const optimizer = tf.train.adam(0.001);
    const flat = flatOptimizerFor(optimizer);
    const update = NativeFusedUpdate.for(flat)!;
    const state = flat.createState(layout.total);
    const [byTfjs, byNative] = [initial(), initial()];
    const exact = Float64Array.from(flatValues(byTfjs));
    const [m, v] = [new Float64Array(exact.length), new Float64Array(exact.length)];
    for (let step = 0; step < 100; step++) {
      const grads = gradsAt(step);
      tf.tidy(() => optimizer.applyGradients(byTfjs.map((variable, i) => ({ name: variable.name, tensor: grads[i]! }))));
      update.step(byNative, grads, state, layout);
      const g = Float32Array.from(grads.flatMap((t) => [...(t.dataSync() as Float32Array)]));
      tf.dispose(grads);
      for (let i = 0; i < exact.length; i++) {
        m[i] = 0.9 * m[i]! + 0.1 * g[i]!;
        v[i] = 0.999 * v[i]! + 0.001 * g[i]! ** 2;
        exact[i]! -= (0.001 * (m[i]! / (1 - 0.9 ** (step + 1)))) / (Math.sqrt(v[i]! / (1 - 0.999 ** (step + 1))) + 1e-7);
      }
    }
    const asF32 = Float32Array.from(exact);
    expect(maxRelativeError(asF32, flatValues(byNative))).toBeLessThan(maxRelativeError(asF32, flatValues(byTfjs)));
    tf.dispose([...byTfjs, ...byNative]);
    optimizer.dispose();
  });

  it.runIf(native)('leaves variables without a gradient alone and restarts from slots a checkpoint put back', () => {
    const flat = flatOptimizerFor(tf.train.adam(0.01));
    const state = flat.createState(layout.total);
    const vars = initial();
    const untouched = vars[1]!.dataSync().slice();
    const update = NativeFusedUpdate.for(flat)!;
    const grads = gradsAt(0);
    update.step(vars, [grads[0], undefined, grads[2]], state, layout);
    expect(vars[1]!.dataSync()).toEqual(untouched);
    // A loaded state replaces the moments: the next step must use those, not what TensorFlow held.
    const loaded = flat.createState(layout.total);
    loaded.slots.m!.fill(1);
    loaded.slots.v!.fill(4);
    loaded.scalars = { ...state.scalars };
    loaded.iterations = state.iterations;
    update.stateReplaced();
    update.step(vars, grads, loaded, layout);
    update.copySlotsInto(loaded, layout);
    // m = 0.9 * 1 + 0.1 * g for every element.
    const g = grads[0]!.dataSync();
    expect(loaded.slots.m![0]).toBeCloseTo(0.9 + 0.1 * g[0]!, 6);
    tf.dispose([...vars, ...grads]);
  });
});
