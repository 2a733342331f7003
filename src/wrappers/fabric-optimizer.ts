import * as tf from '@tensorflow/tfjs';
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
  ) {}

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
    this.optimizer.applyGradients(ordered);
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
