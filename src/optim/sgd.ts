import { f32, rangesOf, zeroSlots, type FlatOptimizer, type FlatOptimizerState } from './flat-optimizer.js';

/** Plain SGD, as tf.train.sgd: p += (-lr) * g. */
export class FlatSgd implements FlatOptimizer {
  readonly className = 'SGD';
  readonly slotNames = [] as const;
  constructor(readonly config: { learningRate: number }) {}

  createState(): FlatOptimizerState {
    return { slots: {}, scalars: {}, iterations: 0 };
  }

  step(params: Float32Array, grads: Float32Array, state: FlatOptimizerState, ranges?: readonly (readonly [number, number])[]): void {
    const c = f32(-this.config.learningRate);
    for (const [start, end] of rangesOf(params.length, ranges)) {
      for (let i = start; i < end; i++) params[i] = f32(f32(c * grads[i]!) + params[i]!);
    }
    state.iterations++;
  }
}

/** SGD with momentum, optionally Nesterov, as tf.train.momentum: a = m*a + g; p += -lr * (nesterov ? g + m*a : a). */
export class FlatMomentum implements FlatOptimizer {
  readonly className = 'Momentum';
  readonly slotNames = ['momentum'] as const;
  constructor(readonly config: { learningRate: number; momentum: number; useNesterov: boolean }) {}

  createState(length: number): FlatOptimizerState {
    return { slots: zeroSlots(this.slotNames, length), scalars: {}, iterations: 0 };
  }

  step(params: Float32Array, grads: Float32Array, state: FlatOptimizerState, ranges?: readonly (readonly [number, number])[]): void {
    const c = f32(-this.config.learningRate);
    const m = f32(this.config.momentum);
    const acc = state.slots.momentum!;
    const nesterov = this.config.useNesterov;
    for (const [start, end] of rangesOf(params.length, ranges)) {
      for (let i = start; i < end; i++) {
        const g = grads[i]!;
        const a = f32(f32(m * acc[i]!) + g);
        acc[i] = a;
        const direction = nesterov ? f32(g + f32(a * m)) : a;
        params[i] = f32(f32(c * direction) + params[i]!);
      }
    }
    state.iterations++;
  }
}
