import type * as tf from '@tensorflow/tfjs';

/** How numbers are represented in the forward pass, in gradients and in checkpoints. */
export interface Precision {
  readonly name: string;
  /** Applied to the loss before gradients are computed (loss scaling). */
  scaleLoss(loss: tf.Scalar): tf.Scalar;
  /** Undoes scaleLoss on gradients; returns false when the step must be skipped (inf/NaN). */
  unscaleGradients(grads: Map<string, tf.Tensor>): boolean;
  /** Runs fn under the precision's rounding. */
  autocast<T>(fn: () => T): T;
  stateDict(): Record<string, unknown>;
  loadStateDict(state: Record<string, unknown>): void;
}
