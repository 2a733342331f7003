import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';
import { FlatAdam, FlatAdamW } from './adam.js';
import type { FlatOptimizer } from './flat-optimizer.js';
import { FlatMomentum, FlatSgd } from './sgd.js';

type Config = Record<string, number | boolean>;
const num = (config: Config, key: string) => Number(config[key]);

/** The flat twin of each tfjs optimizer class that has one, built from that optimizer's config. */
const FLAT_TWINS: Record<string, (config: Config) => FlatOptimizer> = {
  SGD: (c) => new FlatSgd({ learningRate: num(c, 'learningRate') }),
  Momentum: (c) => new FlatMomentum({ learningRate: num(c, 'learningRate'), momentum: num(c, 'momentum'), useNesterov: Boolean(c.useNesterov) }),
  Adam: (c) => new FlatAdam({ learningRate: num(c, 'learningRate'), beta1: num(c, 'beta1'), beta2: num(c, 'beta2'), epsilon: num(c, 'epsilon') }),
  AdamW: (c) => new FlatAdamW({ learningRate: num(c, 'learningRate'), beta1: num(c, 'beta1'), beta2: num(c, 'beta2'), epsilon: num(c, 'epsilon'), weightDecay: num(c, 'weightDecay') }),
};

/** The flat twin of a tfjs optimizer for the fused update, or undefined when it has none (that one keeps tfjs's own). */
export function fusableOptimizer(optimizer: tf.Optimizer): FlatOptimizer | undefined {
  const className = optimizer.getClassName();
  return Object.hasOwn(FLAT_TWINS, className) ? FLAT_TWINS[className]!(optimizer.getConfig() as Config) : undefined;
}

/**
 * The flat optimizer that does what a tfjs optimizer does, read from its config: users keep writing
 * `fabric.setup(model, tf.train.adam(1e-3))` and sharded strategies update their shard the same way.
 */
export function flatOptimizerFor(optimizer: tf.Optimizer): FlatOptimizer {
  const flat = fusableOptimizer(optimizer);
  if (flat) return flat;
  const className = optimizer.getClassName();
  throw new FabricUserError(
    `The ${className} optimizer cannot be sharded: zero1, zero2 and fsdp update each rank's shard with flat-buffer versions of SGD (tf.train.sgd), momentum/Nesterov (tf.train.momentum), Adam (tf.train.adam) and AdamW (adamw from tfjs-fabric). Use one of those, or --strategy=ddp to keep ${className}.`,
  );
}
