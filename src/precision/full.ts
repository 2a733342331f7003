import type * as tf from '@tensorflow/tfjs';
import type { Precision } from './precision.js';

/** 32-true: float32 everywhere; nothing to do. */
export class FullPrecision implements Precision {
  readonly name: string = '32-true';
  readonly halfFormat = undefined;
  readonly halfParams = false;
  scaleLoss(loss: tf.Scalar): tf.Scalar {
    return loss;
  }
  lossScale(): number {
    return 1;
  }
  unscaleGradients(): boolean {
    return true;
  }
  forward<T>(_variables: tf.Variable[], fn: () => T): T {
    return fn();
  }
  convertParams(): void {}
  optimizerStep(apply: () => void): boolean {
    apply();
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
