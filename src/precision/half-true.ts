import type * as tf from '@tensorflow/tfjs';
import type { Precision } from './precision.js';
import { autocastTo, roundVariables, type HalfFormat } from './rounding.js';

/** bf16-true / 16-true: the parameters themselves hold 16-bit values, rounded again after every optimizer step. */
export class TruePrecision implements Precision {
  readonly name: string;
  readonly halfParams = true;

  constructor(readonly halfFormat: HalfFormat) {
    this.name = halfFormat === 'bf16' ? 'bf16-true' : '16-true';
  }

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
  convertParams(variables: tf.Variable[]): void {
    roundVariables(variables, this.halfFormat);
  }
  optimizerStep(apply: () => void, variables: tf.Variable[]): boolean {
    apply();
    this.convertParams(variables);
    return true;
  }
  autocast<T>(fn: () => T): T {
    return autocastTo(this.halfFormat, fn);
  }
  stateDict(): Record<string, unknown> {
    return {};
  }
  loadStateDict(): void {}
}
