import * as tf from '@tensorflow/tfjs';

export interface AdamWOptions {
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /** Decoupled weight decay (default 0.01, as PyTorch's AdamW). */
  weightDecay?: number;
}

/**
 * AdamW for tfjs, which has none: decoupled weight decay p *= 1 - lr * wd before each Adam update.
 * A real tf.Optimizer, so it works under every strategy; sharded strategies use the matching FlatAdamW.
 */
export class AdamWOptimizer extends tf.AdamOptimizer {
  static override get className(): string {
    return 'AdamW';
  }

  constructor(
    learningRate: number,
    beta1 = 0.9,
    beta2 = 0.999,
    epsilon: number | null = null,
    readonly weightDecay = 0.01,
  ) {
    super(learningRate, beta1, beta2, epsilon as number);
  }

  override applyGradients(variableGradients: Parameters<tf.AdamOptimizer['applyGradients']>[0]): void {
    const names = Array.isArray(variableGradients) ? variableGradients.map((v) => v.name) : Object.keys(variableGradients);
    tf.tidy(() => {
      const keep = tf.scalar(1 - this.learningRate * this.weightDecay);
      for (const name of names) {
        const variable = tf.engine().registeredVariables[name]!;
        variable.assign(tf.mul(variable, keep));
      }
    });
    super.applyGradients(variableGradients);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), weightDecay: this.weightDecay };
  }

  static override fromConfig<T extends tf.serialization.Serializable>(cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict): T {
    return new (cls as unknown as typeof AdamWOptimizer)(config.learningRate as number, config.beta1 as number, config.beta2 as number, config.epsilon as number, config.weightDecay as number) as unknown as T;
  }
}
tf.serialization.registerClass(AdamWOptimizer);

/** `adamw(1e-3, { weightDecay: 0.01 })`, the AdamW counterpart of tf.train.adam. */
export function adamw(learningRate = 0.001, options: AdamWOptions = {}): AdamWOptimizer {
  return new AdamWOptimizer(learningRate, options.beta1, options.beta2, options.epsilon ?? null, options.weightDecay);
}
