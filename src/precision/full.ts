import type * as tf from '@tensorflow/tfjs';
import type { Precision } from './precision.js';
import type { HalfFormat } from './rounding.js';

/** 32-true: float32 everywhere; nothing to do. The other precisions override only what they change. */
export class FullPrecision implements Precision {
  readonly name: string = '32-true';
  readonly halfFormat: HalfFormat | undefined = undefined;
  readonly halfParams: boolean = false;
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
  convertParams(_variables: tf.Variable[]): void {}
  optimizerStep(apply: () => void, _variables: tf.Variable[]): boolean {
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
