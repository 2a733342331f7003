import type * as tf from '@tensorflow/tfjs';

export type ReduceOp = 'sum' | 'mean' | 'max' | 'min';

/** How ranks share work: gradient sync and the collectives Fabric exposes. Everything that may talk returns a Promise. */
export interface Strategy {
  readonly name: string;
  readonly worldSize: number;
  readonly globalRank: number;
  /** Averages gradients across ranks in place (keys are parameter names). */
  reduceGradients(grads: Map<string, tf.Tensor>): Promise<void>;
  allReduce(tensor: tf.Tensor, op: ReduceOp): Promise<tf.Tensor>;
  /** Stacks every rank's tensor along a new first axis. */
  allGather(tensor: tf.Tensor): Promise<tf.Tensor>;
  broadcast<T>(value: T, src: number): Promise<T>;
  barrier(name?: string): Promise<void>;
  teardown(): Promise<void>;
}
