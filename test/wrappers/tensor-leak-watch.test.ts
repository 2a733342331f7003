import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { FabricOptimizer } from '../../src/wrappers/fabric-optimizer.js';
import { ParamSet } from '../../src/wrappers/param-set.js';
import { LEAK_STEPS, TensorLeakWatch } from '../../src/wrappers/tensor-leak-watch.js';

/** Runs `steps` training steps of a one-parameter model; `leak` keeps one extra tensor per step alive. */
async function train(steps: number, leak: boolean, fused = false): Promise<string[]> {
  const warnings: string[] = [];
  const w = tf.variable(tf.tensor1d([1, 2]));
  const params = new ParamSet({ w });
  const optimizer = new FabricOptimizer(tf.train.adam(0.1), params, undefined, undefined, undefined, { fused, leakWatch: new TensorLeakWatch(undefined, (line) => warnings.push(line)) });
  const leaked: tf.Tensor[] = [];
  for (let step = 0; step < steps; step++) {
    const { value, grads } = tf.variableGrads(() => w.square().sum() as tf.Scalar, [w]);
    value.dispose();
    params.accumulate(new Map([['w', grads[w.name]!]]));
    if (leak) leaked.push(tf.ones([3]));
    await optimizer.step();
    optimizer.zeroGrad();
  }
  tf.dispose([w, ...leaked]);
  optimizer.optimizer.dispose();
  return warnings;
}

describe('TensorLeakWatch on the optimizer step', () => {
  for (const fused of [false, true]) {
    it(`a loop that leaks one tensor per step warns once, with the growth per step${fused ? ' (fused step)' : ''}`, async () => {
      const warnings = await train(3 * LEAK_STEPS, true, fused);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(/^tfjs-fabric: warning: tf\.memory\(\)\.numTensors grew on each of the last 20 optimizer steps \(\+1 tensor\(s\) per step, \d+ now\)/);
      expect(warnings[0]).toContain('tf.tidy');
      expect(warnings[0]).toContain('dispose()');
      expect(warnings[0]).not.toContain('\n');
    });

    it(`a clean loop does not warn${fused ? ' (fused step)' : ''}`, async () => {
      expect(await train(3 * LEAK_STEPS, false, fused)).toEqual([]);
    });
  }

  it('growth that stops (warm-up) or pauses does not warn; the count restarts after a step without growth', () => {
    const warnings: string[] = [];
    let count = 0;
    const watch = new TensorLeakWatch(() => count, (line) => warnings.push(line));
    for (let step = 0; step < 100; step++) {
      count += step < LEAK_STEPS - 1 || step % LEAK_STEPS === 0 ? 0 : 2;
      if (step < 5) count += 10;
      watch.afterStep();
    }
    expect(warnings).toEqual([]);
    count = 0;
    const steady = new TensorLeakWatch(() => count, (line) => warnings.push(line));
    steady.afterStep();
    for (let step = 0; step < 2 * LEAK_STEPS; step++) {
      count += 3;
      steady.afterStep();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('+3 tensor(s) per step');
  });
});
