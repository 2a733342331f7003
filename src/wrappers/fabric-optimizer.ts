import * as tf from '@tensorflow/tfjs';
import { readFloat32 } from '../accelerators/tensor-view.js';
import { FlatLayout } from '../optim/flat-layout.js';
import { flatOptimizerFor, fusableOptimizer } from '../optim/from-tfjs.js';
import type { FlatOptimizer, FlatOptimizerState } from '../optim/flat-optimizer.js';
import { NativeFusedUpdate } from '../optim/native/fused-update.js';
import { FullPrecision } from '../precision/full.js';
import type { ShardedTraining } from '../strategies/strategy.js';
import type { Precision } from '../precision/precision.js';
import { NO_GRADIENTS_MESSAGE, type ParamSet } from './param-set.js';
import { TensorLeakWatch } from './tensor-leak-watch.js';

/**
 * A tfjs optimizer bound to the parameters it updates. `step()` applies the gradients that
 * `fabric.backward` accumulated; `zeroGrad()` drops them. Gradients are always passed in the same
 * order, because tfjs optimizers key their slots (Adam's m and v) by position.
 * With a flat-buffer twin (`flat`: SGD, momentum, Adam, AdamW) the tfjs optimizer only lends its config: the
 * twin updates all parameters in one fused pass over Float32Arrays, which on the wasm and pure-JS backends is
 * about twice as fast as tfjs's per-variable kernels. Under a sharded strategy it updates this rank's shard only.
 * Its state (`flatState`) replaces the tfjs optimizer's slots; checkpoints store it under the same names.
 */
export class FabricOptimizer {
  /** The flat-buffer optimizer: always under zero1/zero2/fsdp, and when `fused` was asked for. */
  readonly flat?: FlatOptimizer;
  /** On tfjs-node, the fused update runs as one TensorFlow kernel per variable, its slots kept in TensorFlow. */
  private readonly native?: NativeFusedUpdate;
  private state?: FlatOptimizerState;
  private layout?: FlatLayout;

  /** The flat optimizer's state (this rank's shard when sharded); made at the first step or by a checkpoint load. */
  get flatState(): FlatOptimizerState | undefined {
    if (this.state && this.native) this.native.copySlotsInto(this.state, (this.layout ??= FlatLayout.of(this.params)));
    return this.state;
  }
  set flatState(state: FlatOptimizerState | undefined) {
    this.state = state;
    this.native?.stateReplaced();
  }

  constructor(
    readonly optimizer: tf.Optimizer,
    readonly params: ParamSet,
    private readonly onStep: (optimizer: FabricOptimizer) => void = () => {},
    private readonly precision: Precision = new FullPrecision(),
    readonly sharded?: ShardedTraining,
    options: { fused?: boolean; leakWatch?: TensorLeakWatch } = {},
  ) {
    this.leakWatch = options.leakWatch ?? new TensorLeakWatch();
    if (sharded) this.flat = flatOptimizerFor(optimizer);
    else if (options.fused) this.flat = fusableOptimizer(optimizer);
    if (this.flat && !sharded) this.native = NativeFusedUpdate.for(this.flat);
  }

  /** Steps skipped because the gradients held inf/NaN (loss scaling). */
  skippedSteps = 0;

  private readonly leakWatch: TensorLeakWatch;

  async step(): Promise<void> {
    await this.applyStep();
    // The step is the one call every training loop makes once per iteration: where a leak shows as steady growth.
    this.leakWatch.afterStep();
  }

  private async applyStep(): Promise<void> {
    // Learning-rate schedules set the tfjs optimizer's field; the flat twin follows it.
    if (this.flat) this.flat.config.learningRate = this.optimizer.getConfig().learningRate as number;
    if (this.sharded) return this.shardedStep(this.sharded, this.flat!);
    if (this.flat) return this.fusedStep(this.flat);
    const ordered: { name: string; tensor: tf.Tensor }[] = [];
    this.params.names.forEach((name, i) => {
      const grad = this.params.grads.get(name);
      const variable = this.params.variables[i];
      if (grad && variable.trainable) ordered.push({ name: variable.name, tensor: grad });
    });
    if (ordered.length === 0) {
      throw new Error(NO_GRADIENTS_MESSAGE);
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

  /**
   * One update over all parameters, variable by variable on the arrays the backend hands out (no flat copy of
   * all parameters): each variable's part of the state is a view into the flat state, and the step-wide scalars
   * (iterations, Adam's beta powers) advance once. Variables without a gradient are left alone, as tfjs does.
   */
  private fusedStep(flat: FlatOptimizer): void {
    const layout = (this.layout ??= FlatLayout.of(this.params));
    const variables = FlatLayout.variablesOf(this.params);
    const state = (this.state ??= flat.createState(layout.total));
    if (this.native) return this.nativeStep(this.native, variables, state, layout);
    const updated = layout.names.map((name, i) => ({ i, grad: this.params.grads.get(name) })).filter((u) => u.grad !== undefined);
    if (updated.length === 0) throw new Error(NO_GRADIENTS_MESSAGE);
    const ownsCopies = tf.getBackend() === 'wasm';
    const applied = this.precision.optimizerStep(() => {
      let after = state;
      for (const { i, grad } of updated) {
        const [start, end] = [layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!];
        const view = { slots: Object.fromEntries(Object.entries(state.slots).map(([k, v]) => [k, v.subarray(start, end)])), scalars: { ...state.scalars }, iterations: state.iterations };
        // dataSync hands out a copy on wasm; on the pure-JS backend it is the tensor's own storage, so copy it there.
        const raw = variables[i]!.dataSync() as Float32Array;
        const values = ownsCopies ? raw : raw.slice();
        // The gradient is only read, right now: a view into the backend's memory saves a copy.
        flat.step(values, readFloat32(grad!), view);
        const tensor = tf.tensor(values, layout.shapes[i]);
        variables[i]!.assign(tensor);
        tensor.dispose();
        after = view;
      }
      state.scalars = after.scalars;
      state.iterations = after.iterations;
    }, this.params.trainable);
    if (!applied) {
      this.skippedSteps++;
      return;
    }
    this.onStep(this);
  }

  private nativeStep(native: NativeFusedUpdate, variables: tf.Variable[], state: FlatOptimizerState, layout: FlatLayout): void {
    const grads = layout.names.map((name) => this.params.grads.get(name));
    if (grads.every((g) => g === undefined)) throw new Error(NO_GRADIENTS_MESSAGE);
    if (!this.precision.optimizerStep(() => native.step(variables, grads, state, layout), this.params.trainable)) {
      this.skippedSteps++;
      return;
    }
    this.onStep(this);
  }

  /** Optimizer steps applied so far (counted by the flat twin or by tfjs; checkpoints restore the count). */
  get stepCount(): number {
    return this.flat ? (this.state?.iterations ?? 0) : this.optimizer.iterations;
  }

  zeroGrad(): void {
    this.params.zeroGrad();
  }

  getLearningRate(): number | undefined {
    return (this.optimizer as unknown as { learningRate?: number }).learningRate;
  }
}
