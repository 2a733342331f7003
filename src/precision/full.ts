import type * as tf from '@tensorflow/tfjs';
import type { Precision } from './precision.js';

/** 32-true: float32 everywhere; nothing to do. */
export class FullPrecision implements Precision {
  readonly name = '32-true';
  scaleLoss(loss: tf.Scalar): tf.Scalar {
    return loss;
  }
  unscaleGradients(): boolean {
    return true;
  }
  autocast<T>(fn: () => T): T {
    return fn();
  }
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(): void {}
}
