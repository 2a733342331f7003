import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';
import { FlatAdam, FlatAdamW } from './adam.js';
import type { FlatOptimizer } from './flat-optimizer.js';
import { FlatMomentum, FlatSgd } from './sgd.js';

/**
 * The flat optimizer that does what a tfjs optimizer does, read from its config: users keep writing
 * `fabric.setup(model, tf.train.adam(1e-3))` and sharded strategies update their shard the same way.
 */
export function flatOptimizerFor(optimizer: tf.Optimizer): FlatOptimizer {
  const className = optimizer.getClassName();
  const config = optimizer.getConfig() as Record<string, number | boolean>;
  const num = (key: string) => Number(config[key]);
  switch (className) {
    case 'SGD':
      return new FlatSgd({ learningRate: num('learningRate') });
    case 'Momentum':
      return new FlatMomentum({ learningRate: num('learningRate'), momentum: num('momentum'), useNesterov: Boolean(config.useNesterov) });
    case 'Adam':
      return new FlatAdam({ learningRate: num('learningRate'), beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon') });
    case 'AdamW':
      return new FlatAdamW({ learningRate: num('learningRate'), beta1: num('beta1'), beta2: num('beta2'), epsilon: num('epsilon'), weightDecay: num('weightDecay') });
    default:
      throw new FabricUserError(
        `The ${className} optimizer cannot be sharded: zero1, zero2 and fsdp update each rank's shard with flat-buffer versions of SGD (tf.train.sgd), momentum/Nesterov (tf.train.momentum), Adam (tf.train.adam) and AdamW (adamw from tfjs-fabric). Use one of those, or --strategy=ddp to keep ${className}.`,
      );
  }
}

/** The flat twin of a tfjs optimizer for the fused update, or undefined when it has none (that one keeps tfjs's own). */
export function fusableOptimizer(optimizer: tf.Optimizer): FlatOptimizer | undefined {
  return ['SGD', 'Momentum', 'Adam', 'AdamW'].includes(optimizer.getClassName()) ? flatOptimizerFor(optimizer) : undefined;
}
