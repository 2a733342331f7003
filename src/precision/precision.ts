import type * as tf from '@tensorflow/tfjs';
import type { DynamicLossScaler } from './loss-scaler.js';
import type { HalfFormat } from './rounding.js';

/** How numbers are represented in the forward pass, in gradients and in checkpoints. */
export interface Precision {
  readonly name: string;
  /** The 16-bit format gradients travel in and checkpoints use; undefined at float32. */
  readonly halfFormat: HalfFormat | undefined;
  /** True when the parameters themselves are 16-bit values (so checkpoints store them in 16 bits). */
  readonly halfParams: boolean;
  /** The dynamic loss scaler under 16-mixed; sharded strategies make its inf/NaN verdict the same on every rank. */
  readonly scaler?: DynamicLossScaler;
  /** Applied to the loss before gradients are computed (loss scaling). */
  scaleLoss(loss: tf.Scalar): tf.Scalar;
  /** The factor scaleLoss multiplies by (1 without loss scaling). */
  lossScale(): number;
  /** Undoes scaleLoss on gradients in place; returns false when they hold inf/NaN (the next step will be skipped). */
  unscaleGradients(grads: Map<string, tf.Tensor>): boolean;
  /** Runs `fn` (the forward and gradient computation) with the parameters as the forward pass should see them. */
  forward<T>(variables: tf.Variable[], fn: () => T): T;
  /** Brings parameters to the precision's format (before the first forward and after every optimizer step). */
  convertParams(variables: tf.Variable[]): void;
  /** Runs `apply` (the optimizer update) unless the gradients since the last step held inf/NaN; returns whether it ran. */
  optimizerStep(apply: () => void, variables: tf.Variable[]): boolean;
  /** Runs fn under the precision's rounding: tensors it returns are rounded to the 16-bit format. */
  autocast<T>(fn: () => T): T;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}
