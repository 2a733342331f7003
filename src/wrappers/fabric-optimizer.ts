import * as tf from '@tensorflow/tfjs';
import { FullPrecision } from '../precision/full.js';
import type { Precision } from '../precision/precision.js';
import type { ParamSet } from './param-set.js';

/**
 * A tfjs optimizer bound to the parameters it updates. `step()` applies the gradients that
 * `fabric.backward` accumulated; `zeroGrad()` drops them. Gradients are always passed in the same
 * order, because tfjs optimizers key their slots (Adam's m and v) by position.
 */
export class FabricOptimizer {
  constructor(
    readonly optimizer: tf.Optimizer,
    readonly params: ParamSet,
    private readonly onStep: (optimizer: FabricOptimizer) => void = () => {},
    private readonly precision: Precision = new FullPrecision(),
  ) {}

  /** Steps skipped because the gradients held inf/NaN (loss scaling). */
  skippedSteps = 0;

  async step(): Promise<void> {
    const ordered: { name: string; tensor: tf.Tensor }[] = [];
    this.params.names.forEach((name, i) => {
      const grad = this.params.grads.get(name);
      const variable = this.params.variables[i];
      if (grad && variable.trainable) ordered.push({ name: variable.name, tensor: grad });
    });
    if (ordered.length === 0) {
      throw new Error('optimizer.step() found no gradients: call `await fabric.backward(() => loss)` first (or after zeroGrad()).');
    }
    // The precision may skip the update (inf/NaN under loss scaling) or round the parameters after it.
    const applied = this.precision.optimizerStep(() => this.optimizer.applyGradients(ordered), this.params.trainable);
    if (!applied) {
      this.skippedSteps++;
      return;
    }
    this.onStep(this);
  }

  /** Optimizer steps applied so far (tfjs counts them, and checkpoints restore the count). */
  get stepCount(): number {
    return this.optimizer.iterations;
  }

  zeroGrad(): void {
    this.params.zeroGrad();
  }

  getLearningRate(): number | undefined {
    return (this.optimizer as unknown as { learningRate?: number }).learningRate;
  }
}
