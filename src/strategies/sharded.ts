import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';
import type { FlatOptimizer, FlatOptimizerState } from '../optim/flat-optimizer.js';
import type { Precision } from '../precision/precision.js';
import type { HalfFormat } from '../precision/rounding.js';
import { NO_GRADIENTS_MESSAGE, type ParamSet } from '../wrappers/param-set.js';
import { readFloat32 } from '../accelerators/tensor-view.js';
import { DdpStrategy, type DdpOptions } from './ddp.js';
import { FlatLayout } from '../optim/flat-layout.js';
import type { ClusterEnvironment } from '../environments/environment.js';
import type { ShardedTraining } from './strategy.js';
import { materializeVariable, releaseVariable } from './variable-storage.js';

export type ShardingStage = ShardedTraining['stage'];

/**
 * ZeRO-style data parallelism. Each rank owns one contiguous range of the flattened trainable parameters
 * (the range reduceScatter hands it) and keeps the optimizer state for that range only:
 * - zero1: gradients are all-reduced as in DDP; each rank updates its range, then the ranges are all-gathered.
 * - zero2: gradients are reduce-scattered, so a rank never holds the full averaged gradients.
 * - fsdp:  also the parameters: between steps a rank holds only its range (the variables are released) and
 *          gathers the full values before the next forward.
 */
export class ShardedStrategy extends DdpStrategy implements ShardedTraining {
  readonly sharded = this;
  private readonly layouts = new WeakMap<ParamSet, FlatLayout>();
  /** fsdp only: this rank's range of the parameters, the one copy that survives between steps. */
  private readonly masters = new WeakMap<ParamSet, Float32Array>();

  constructor(
    readonly stage: ShardingStage,
    environment: ClusterEnvironment,
    options: DdpOptions,
  ) {
    super(environment, options);
    this.name = stage;
  }

  override readonly name: string;

  get shardsGradients(): boolean {
    return this.stage !== 'zero1';
  }

  layoutOf(params: ParamSet): FlatLayout {
    let layout = this.layouts.get(params);
    if (!layout) {
      layout = FlatLayout.of(params);
      this.layouts.set(params, layout);
    }
    return layout;
  }

  shardRange(params: ParamSet): [number, number] {
    return this.layoutOf(params).range(this.worldSize, this.globalRank);
  }

  override async syncParams(params: ParamSet): Promise<void> {
    await super.syncParams(params);
    this.paramsChanged(params);
  }

  paramsChanged(params: ParamSet): void {
    if (this.stage !== 'fsdp' || params.released) return;
    const [start, end] = this.shardRange(params);
    const variables = FlatLayout.variablesOf(params);
    this.masters.set(params, this.layoutOf(params).copyRange((i) => variables[i]!.dataSync() as Float32Array, start, end));
  }

  override async reduceGradients(grads: Map<string, tf.Tensor>, options: { halfFormat?: HalfFormat; params?: ParamSet } = {}): Promise<void> {
    const { params } = options;
    if (!this.shardsGradients || !params) return super.reduceGradients(grads, options);
    // Fabric has already added the gradients accumulated locally under noBackwardSync into `grads`.
    const layout = this.layoutOf(params);
    const local = new Float32Array(layout.total);
    layout.names.forEach((name, i) => {
      const grad = grads.get(name);
      if (grad) local.set(readFloat32(grad), layout.offsets[i]!);
    });
    tf.dispose([...grads.values()]);
    grads.clear();
    const mine = await this.pg.reduceScatter(local, 'mean');
    this.gradientBytesSent += Math.round(((this.worldSize - 1) * local.byteLength) / this.worldSize);
    if (params.gradShard) for (let i = 0; i < mine.length; i++) params.gradShard[i]! += mine[i]!;
    else params.gradShard = mine;
    // The full parameters were needed for this forward and backward only.
    this.releaseParams(params);
  }

  async gatherParams(params: ParamSet): Promise<void> {
    if (!params.released) return;
    const master = this.masters.get(params);
    if (!master) throw new Error('fsdp: the parameters were released before this rank took its shard.');
    const full = await this.allGatherFlat(master, this.layoutOf(params).total);
    const variables = FlatLayout.variablesOf(params);
    this.layoutOf(params).unflatten(full, (i, values) => materializeVariable(variables[i]!, values));
    params.released = false;
  }

  releaseParams(params: ParamSet): void {
    if (this.stage !== 'fsdp' || params.released || !this.masters.has(params)) return;
    for (const variable of FlatLayout.variablesOf(params)) releaseVariable(variable, () => releasedError(`reading variable '${params.nameOf(variable.name) ?? variable.name}'`));
    params.released = true;
  }

  async step(params: ParamSet, optimizer: FlatOptimizer, state: FlatOptimizerState, precision: Precision): Promise<boolean> {
    const layout = this.layoutOf(params);
    const [start, end] = this.shardRange(params);
    const grad = this.gradientShard(params, layout, start, end);
    if (precision.scaler) {
      // Each rank saw only part of the gradients: skip the step everywhere if any rank found inf/NaN.
      const [anyInf] = await this.pg.allReduce(Float32Array.of(precision.scaler.foundInf ? 1 : 0), 'max');
      precision.scaler.foundInf = anyInf! > 0;
    }
    const variables = FlatLayout.variablesOf(params);
    const master = this.stage === 'fsdp' ? this.masters.get(params)! : layout.copyRange((i) => variables[i]!.dataSync() as Float32Array, start, end);
    const applied = precision.optimizerStep(() => optimizer.step(master, grad, state), []);
    if (!applied || this.stage === 'fsdp') return applied;
    const full = await this.allGatherFlat(master, layout.total);
    layout.unflatten(full, (i, values) => {
      const tensor = tf.tensor(values, variables[i]!.shape);
      variables[i]!.assign(tensor);
      tensor.dispose();
    });
    precision.convertParams(variables);
    return true;
  }

  private gradientShard(params: ParamSet, layout: FlatLayout, start: number, end: number): Float32Array {
    if (this.stage === 'zero1') {
      if (params.grads.size === 0) throw noGradients();
      return layout.copyRange((i) => {
        const grad = params.grads.get(layout.names[i]!);
        return grad && readFloat32(grad);
      }, start, end);
    }
    if (params.gradShard) return params.gradShard;
    if (params.grads.size > 0) {
      throw new FabricUserError(
        `optimizer.step() under ${this.stage} found gradients that were never reduced across ranks: every backward since the last step ran inside fabric.noBackwardSync(..., true). Let the last backward before each step sync (pass enabled=false for it).`,
      );
    }
    throw noGradients();
  }

  async gradNorm(params: ParamSet, normType: number): Promise<number> {
    const layout = this.layoutOf(params);
    const [start, end] = this.shardRange(params);
    const values = this.stage === 'zero1' ? layout.copyRange((i) => params.grads.get(layout.names[i]!)?.dataSync() as Float32Array | undefined, start, end) : (params.gradShard ?? new Float32Array(0));
    let local = 0;
    for (const v of values) local = normType === Infinity ? Math.max(local, Math.abs(v)) : local + Math.abs(v) ** normType;
    const [total] = await this.pg.allReduce(Float32Array.of(local), normType === Infinity ? 'max' : 'sum');
    return normType === Infinity ? total! : total! ** (1 / normType);
  }

  memoryReport(params: ParamSet, optimizerState: FlatOptimizerState | undefined): { parameters: number; gradients: number; optimizer: number } {
    const layout = this.layoutOf(params);
    const master = this.masters.get(params)?.byteLength ?? 0;
    const parameters = (params.released ? 0 : layout.total * 4) + master;
    let gradients = params.gradShard?.byteLength ?? 0;
    for (const grad of params.grads.values()) gradients += grad.size * 4;
    const optimizer = optimizerState ? Object.values(optimizerState.slots).reduce((n, slot) => n + slot.byteLength, 0) : 0;
    return { parameters, gradients, optimizer };
  }

  /** Every rank's range, concatenated in rank order. */
  private async allGatherFlat(mine: Float32Array, total: number): Promise<Float32Array> {
    const parts = await this.pg.allGather(mine);
    const full = new Float32Array(total);
    let offset = 0;
    for (const part of parts) {
      full.set(part as Float32Array, offset);
      offset += part.length;
    }
    return full;
  }
}

/** The one explanation for every use of fsdp's parameters between steps. */
export function releasedError(what: string): FabricUserError {
  return new FabricUserError(
    `${what} happened between training steps under --strategy=fsdp, where each rank keeps only its shard of the parameters. Wrap it in \`await fabric.withFullParams(model, () => ...)\` (on every rank), which gathers the parameters first; inside fabric.backward they are gathered already.`,
  );
}

function noGradients(): FabricUserError {
  return new FabricUserError(NO_GRADIENTS_MESSAGE);
}
