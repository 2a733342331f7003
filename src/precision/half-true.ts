import type * as tf from '@tensorflow/tfjs';
import { FullPrecision } from './full.js';
import { autocastTo, roundVariables, type HalfFormat } from './rounding.js';

/** bf16-true / 16-true: the parameters themselves hold 16-bit values, rounded again after every optimizer step. */
export class TruePrecision extends FullPrecision {
  override readonly name: string;
  override readonly halfParams = true;

  constructor(override readonly halfFormat: HalfFormat) {
    super();
    this.name = halfFormat === 'bf16' ? 'bf16-true' : '16-true';
  }

  override convertParams(variables: tf.Variable[]): void {
    roundVariables(variables, this.halfFormat);
  }
  override optimizerStep(apply: () => void, variables: tf.Variable[]): boolean {
    apply();
    this.convertParams(variables);
    return true;
  }
  override autocast<T>(fn: () => T): T {
    return autocastTo(this.halfFormat, fn);
  }
}
