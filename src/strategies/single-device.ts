import * as tf from '@tensorflow/tfjs';
import type { ReduceOp, Strategy } from './strategy.js';

/** One rank: every collective is the identity (results are fresh tensors the caller owns, as with many ranks). */
export class SingleDeviceStrategy implements Strategy {
  readonly worldSize = 1;
  readonly globalRank = 0;
  constructor(readonly name = 'single_device') {}

  async setup(): Promise<void> {}

  async syncParams(): Promise<void> {}

  async reduceGradients(): Promise<void> {}

  async allReduce(tensor: tf.Tensor, _op: ReduceOp): Promise<tf.Tensor> {
    return tensor.clone();
  }

  async allGather(tensor: tf.Tensor): Promise<tf.Tensor> {
    return tf.expandDims(tensor, 0);
  }

  async allGatherList(tensor: tf.Tensor): Promise<tf.Tensor[]> {
    return [tensor.clone()];
  }

  async reduceScatter(tensor: tf.Tensor): Promise<tf.Tensor> {
    return tf.reshape(tensor, [-1]);
  }

  async broadcast<T>(value: T, src: number): Promise<T> {
    if (src !== 0) throw new RangeError(`broadcast source rank ${src} does not exist in a world of 1.`);
    return value;
  }

  async barrier(): Promise<void> {}

  async teardown(): Promise<void> {}
}
