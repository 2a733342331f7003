import type * as tf from '@tensorflow/tfjs';
import type { HalfFormat } from '../precision/rounding.js';
import type { ParamSet } from '../wrappers/param-set.js';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

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
  reduceGradients(grads: Map<string, tf.Tensor>, options?: { halfFormat?: HalfFormat }): Promise<void>;
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
