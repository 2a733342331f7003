import * as tf from '@tensorflow/tfjs';
import { flatOptimizerFor } from '../optim/from-tfjs.js';
import type { FlatOptimizer, FlatOptimizerState } from '../optim/flat-optimizer.js';
import { FullPrecision } from '../precision/full.js';
import type { ShardedTraining } from '../strategies/strategy.js';
import type { Precision } from '../precision/precision.js';
import type { ParamSet } from './param-set.js';

/**
 * A tfjs optimizer bound to the parameters it updates. `step()` applies the gradients that
 * `fabric.backward` accumulated; `zeroGrad()` drops them. Gradients are always passed in the same
 * order, because tfjs optimizers key their slots (Adam's m and v) by position.
 * Under a sharded strategy the tfjs optimizer only lends its config: a flat-buffer twin updates this rank's
 * shard, and its state (`flatState`) covers that shard only.
 */
export class FabricOptimizer {
  /** The flat-buffer optimizer used under zero1/zero2/fsdp. */
  readonly flat?: FlatOptimizer;
  /** Its state for this rank's shard; made at the first step or by a checkpoint load. */
  flatState?: FlatOptimizerState;

  constructor(
    readonly optimizer: tf.Optimizer,
    readonly params: ParamSet,
    private readonly onStep: (optimizer: FabricOptimizer) => void = () => {},
    private readonly precision: Precision = new FullPrecision(),
    readonly sharded?: ShardedTraining,
  ) {
    if (sharded) this.flat = flatOptimizerFor(optimizer);
  }

  /** Steps skipped because the gradients held inf/NaN (loss scaling). */
  skippedSteps = 0;

  async step(): Promise<void> {
    if (this.sharded) return this.shardedStep(this.sharded, this.flat!);
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

  private async shardedStep(sharded: ShardedTraining, flat: FlatOptimizer): Promise<void> {
    const [start, end] = sharded.shardRange(this.params);
    this.flatState ??= flat.createState(end - start);
    if (!(await sharded.step(this.params, flat, this.flatState, this.precision))) {
      this.skippedSteps++;
      return;
    }
    this.onStep(this);
  }

  /** Optimizer steps applied so far (tfjs counts them, and checkpoints restore the count). */
  get stepCount(): number {
    return this.sharded ? (this.flatState?.iterations ?? 0) : this.optimizer.iterations;
  }

  zeroGrad(): void {
    this.params.zeroGrad();
  }

  getLearningRate(): number | undefined {
    return (this.optimizer as unknown as { learningRate?: number }).learningRate;
  }
}
