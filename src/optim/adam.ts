import { f32, rangesOf, zeroSlots, type FlatOptimizer, type FlatOptimizerState } from './flat-optimizer.js';

export interface AdamConfig extends Record<string, number> {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * Adam as tf.train.adam computes it: moments m and v, bias correction by the running powers accBeta1/accBeta2
 * (float32 scalars multiplied by beta each step, so they match tfjs's own bit for bit), then
 * p += -lr * m̂ / (sqrt(v̂) + eps). The constants are tfjs's float32 values; each element's arithmetic runs in
 * double and is rounded once when stored (rounding every operation as tfjs does costs ~3x the time, and the
 * results stay within float32 rounding of tfjs's).
 */
export class FlatAdam implements FlatOptimizer {
  readonly className: string = 'Adam';
  readonly slotNames = ['m', 'v'] as const;
  constructor(readonly config: AdamConfig) {}

  createState(length: number): FlatOptimizerState {
    return { slots: zeroSlots(this.slotNames, length), scalars: { accBeta1: f32(this.config.beta1), accBeta2: f32(this.config.beta2) }, iterations: 0 };
  }

  step(params: Float32Array, grads: Float32Array, state: FlatOptimizerState, ranges?: readonly (readonly [number, number])[]): void {
    const spans = rangesOf(params.length, ranges);
    this.decay(params, spans);
    const { learningRate, epsilon } = this.config;
    const beta1 = f32(this.config.beta1);
    const beta2 = f32(this.config.beta2);
    const oneMinusBeta1 = f32(1 - this.config.beta1);
    const oneMinusBeta2 = f32(1 - this.config.beta2);
    const correction1 = f32(1 - state.scalars.accBeta1!);
    const correction2 = f32(1 - state.scalars.accBeta2!);
    const eps = f32(epsilon);
    const negLr = f32(-learningRate);
    const m = state.slots.m!;
    const v = state.slots.v!;
    for (const [start, end] of spans) {
      for (let i = start; i < end; i++) {
        const g = grads[i]!;
        const mi = m[i]! * beta1 + g * oneMinusBeta1;
        const vi = v[i]! * beta2 + g * g * oneMinusBeta2;
        m[i] = mi;
        v[i] = vi;
        params[i]! += (mi / correction1 / (Math.sqrt(vi / correction2) + eps)) * negLr;
      }
    }
    state.scalars.accBeta1 = f32(state.scalars.accBeta1! * beta1);
    state.scalars.accBeta2 = f32(state.scalars.accBeta2! * beta2);
    state.iterations++;
  }

  /** Decoupled weight decay happens before the Adam update (AdamW); plain Adam has none. */
  protected decay(_params: Float32Array, _spans: readonly (readonly [number, number])[]): void {}
}

/** AdamW (Loshchilov & Hutter): p *= 1 - lr * weightDecay, then the Adam update; matches our tfjs AdamW. */
export class FlatAdamW extends FlatAdam {
  override readonly className = 'AdamW';
  constructor(override readonly config: AdamConfig & { weightDecay: number }) {
    super(config);
  }

  protected override decay(params: Float32Array, spans: readonly (readonly [number, number])[]): void {
    const keep = f32(1 - this.config.learningRate * this.config.weightDecay);
    for (const [start, end] of spans) for (let i = start; i < end; i++) params[i] = f32(params[i]! * keep);
  }
}
