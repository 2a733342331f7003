import * as tf from '@tensorflow/tfjs';
import { DynamicLossScaler } from './loss-scaler.js';
import type { Precision } from './precision.js';
import { autocastTo, roundVariables, type HalfFormat } from './rounding.js';

/**
 * bf16-mixed / 16-mixed: parameters stay float32 (the master weights); each forward pass and its
 * gradients are computed with the parameters rounded to the 16-bit format, then the masters come back.
 * 16-mixed scales the loss dynamically, because float16's small range flushes small gradients to zero.
 */
export class MixedPrecision implements Precision {
  readonly name: string;
  readonly halfParams = false;
  readonly scaler?: DynamicLossScaler;

  constructor(readonly halfFormat: HalfFormat, scaler?: DynamicLossScaler) {
    this.name = halfFormat === 'bf16' ? 'bf16-mixed' : '16-mixed';
    this.scaler = scaler;
  }

  scaleLoss(loss: tf.Scalar): tf.Scalar {
    return this.scaler ? tf.mul(loss, this.scaler.scale) : loss;
  }

  lossScale(): number {
    return this.scaler?.scale ?? 1;
  }

  unscaleGradients(grads: Map<string, tf.Tensor>): boolean {
    return this.scaler ? this.scaler.unscale(grads) : true;
  }

  forward<T>(variables: tf.Variable[], fn: () => T): T {
    const masters = variables.map((v) => v.clone());
    roundVariables(variables, this.halfFormat);
    try {
      return fn();
    } finally {
      variables.forEach((v, i) => v.assign(masters[i]!));
      tf.dispose(masters);
    }
  }

  convertParams(): void {}

  optimizerStep(apply: () => void): boolean {
    const skip = this.scaler?.foundInf ?? false;
    if (!skip) apply();
    this.scaler?.update();
    return !skip;
  }

  autocast<T>(fn: () => T): T {
    return autocastTo(this.halfFormat, fn);
  }

  stateDict(): Record<string, unknown> {
    return this.scaler ? { lossScaler: this.scaler.stateDict() } : {};
  }

  loadStateDict(state: Record<string, unknown>): void {
    if (this.scaler && state.lossScaler) this.scaler.loadStateDict(state.lossScaler as Record<string, unknown>);
  }
}
