import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';

export interface LossScalerOptions {
  initScale: number;
  growthFactor: number;
  backoffFactor: number;
  /** Finite steps in a row after which the scale grows. */
  growthInterval: number;
}

export const DEFAULT_LOSS_SCALER: LossScalerOptions = { initScale: 2 ** 16, growthFactor: 2, backoffFactor: 0.5, growthInterval: 2000 };

/**
 * Dynamic loss scaling as in PyTorch's GradScaler: the loss is multiplied by `scale` so small float16
 * gradients do not flush to zero; a step whose gradients overflow is skipped and the scale halves.
 */
export class DynamicLossScaler {
  scale: number;
  /** Finite steps since the scale last changed. */
  growthTracker = 0;
  /** Set when gradients unscaled since the last update held inf/NaN. */
  foundInf = false;
  /** Whether update() ran since the last unscale: several optimizers stepping on one backward update the scale once. */
  private updated = false;

  constructor(readonly options: LossScalerOptions = DEFAULT_LOSS_SCALER) {
    this.scale = options.initScale;
  }

  /** Divides gradients by the scale in place; returns false (and remembers it) when any is inf/NaN. */
  unscale(grads: Map<string, tf.Tensor>): boolean {
    if (this.updated) {
      this.foundInf = false;
      this.updated = false;
    }
    if (grads.size === 0) return true;
    const inverse = 1 / this.scale;
    for (const [name, grad] of [...grads]) {
      grads.set(name, tf.mul(grad, inverse));
      grad.dispose();
    }
    const finite = tf.tidy(() => tf.stack([...grads.values()].map((g) => tf.all(tf.isFinite(g)))).all());
    const ok = finite.dataSync()[0] === 1;
    finite.dispose();
    if (!ok) this.foundInf = true;
    return ok;
  }

  /** Called after each optimizer step: backs off after inf/NaN, grows after `growthInterval` finite steps (once per backward). */
  update(): void {
    if (this.updated) return;
    this.updated = true;
    if (this.foundInf) {
      this.scale *= this.options.backoffFactor;
      this.growthTracker = 0;
    } else if (++this.growthTracker >= this.options.growthInterval) {
      this.scale *= this.options.growthFactor;
      this.growthTracker = 0;
    }
  }

  stateDict(): Record<string, unknown> {
    return { scale: this.scale, growthTracker: this.growthTracker };
  }

  loadStateDict(state: Record<string, unknown>): void {
    const { scale, growthTracker } = state;
    if (typeof scale !== 'number' || !(scale > 0) || typeof growthTracker !== 'number') {
      throw new FabricUserError(`The checkpoint's loss-scaler state ${JSON.stringify(state)} is not { scale > 0, growthTracker }; the checkpoint is corrupt or from another tool. Load an earlier checkpoint.`);
    }
    this.scale = scale;
    this.growthTracker = growthTracker;
  }
}
