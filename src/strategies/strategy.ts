import type * as tf from '@tensorflow/tfjs';
import type { HalfFormat } from '../precision/rounding.js';
import type { FlatOptimizer, FlatOptimizerState } from '../optim/flat-optimizer.js';
import type { Precision } from '../precision/precision.js';
import type { ParamSet } from '../wrappers/param-set.js';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/**
 * What strategies that shard the training state (zero1, zero2, fsdp) add: they own the optimizer update,
 * which runs over this rank's range of the flattened parameters with a flat-buffer optimizer.
 */
export interface ShardedTraining {
  /** 'zero1' shards optimizer state; 'zero2' also gradients; 'fsdp' also parameters between steps. */
  readonly stage: 'zero1' | 'zero2' | 'fsdp';
  /** This rank's [start, end) of the model's flattened trainable parameters. */
  shardRange(params: ParamSet): [number, number];
  /** Gradients are unscaled before they are reduce-scattered (zero2, fsdp) instead of after an all-reduce. */
  readonly shardsGradients: boolean;
  /** Makes the variables hold the full parameters (fsdp gathers them; others already do). */
  gatherParams(params: ParamSet): Promise<void>;
  /** Frees the full parameters again under fsdp (the shard stays); a no-op otherwise. */
  releaseParams(params: ParamSet): void;
  /** The variables were overwritten (a checkpoint load): take this rank's shard from them again. */
  paramsChanged(params: ParamSet): void;
  /** Applies one optimizer update to this rank's shard and brings the variables up to date; false when the precision skipped it. */
  step(params: ParamSet, optimizer: FlatOptimizer, state: FlatOptimizerState, precision: Precision): Promise<boolean>;
  /** The global p-norm of the accumulated gradients across all shards. */
  gradNorm(params: ParamSet, normType: number): Promise<number>;
  /** Bytes this rank holds for the model between steps: parameters, gradients and optimizer state. */
  memoryReport(params: ParamSet, optimizerState: FlatOptimizerState | undefined): { parameters: number; gradients: number; optimizer: number };
}

/** How ranks share work: gradient sync and the collectives Fabric exposes. Everything that may talk returns a Promise. */
export interface Strategy {
  readonly name: string;
  readonly worldSize: number;
  readonly globalRank: number;
  /** Joins the other ranks (rendezvous, links); called once by fabric.launch. */
  setup(): Promise<void>;
  /** Makes every rank start from rank 0's parameters (called before a model's first backward). */
  syncParams(params: ParamSet): Promise<void>;
  /** Averages gradients across ranks in place (keys are parameter names); with `halfFormat` they travel as 16-bit values. */
  reduceGradients(grads: Map<string, tf.Tensor>, options?: { halfFormat?: HalfFormat; params?: ParamSet }): Promise<void>;
  /** Set by strategies that shard optimizer state, gradients or parameters. */
  readonly sharded?: ShardedTraining;
  allReduce(tensor: tf.Tensor, op: ReduceOp): Promise<tf.Tensor>;
  /** Stacks every rank's tensor along a new first axis (shapes must match). */
  allGather(tensor: tf.Tensor): Promise<tf.Tensor>;
  /** Every rank's tensor as a list; first dimensions may differ. */
  allGatherList(tensor: tf.Tensor): Promise<tf.Tensor[]>;
  /** Reduces the flattened tensor across ranks; rank r keeps its chunk (as equal as possible, in rank order). */
  reduceScatter(tensor: tf.Tensor, op: ReduceOp): Promise<tf.Tensor>;
  broadcast<T>(value: T, src: number): Promise<T>;
  barrier(name?: string): Promise<void>;
  teardown(): Promise<void>;
}
