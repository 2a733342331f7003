import * as tf from '@tensorflow/tfjs';
import type { ParamSet } from './param-set.js';

/** Scales the accumulated gradients so their global p-norm is at most `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(params: ParamSet, maxNorm: number, normType = 2): number {
  const entries = [...params.grads];
  if (entries.length === 0) return 0;
  const total = tf.tidy(() => {
    const perTensor = entries.map(([, g]) => (normType === Infinity ? tf.max(tf.abs(g)) : tf.sum(tf.pow(tf.abs(g), normType))));
    return normType === Infinity ? tf.max(tf.stack(perTensor)) : tf.pow(tf.addN(perTensor), 1 / normType);
  });
  const norm = total.dataSync()[0];
  total.dispose();
  scaleToNorm(params, norm, maxNorm);
  return norm;
}

/** Scales the gradients (full ones and, under zero2/fsdp, this rank's shard) so that a global norm of `norm` becomes at most `maxNorm`. */
export function scaleToNorm(params: ParamSet, norm: number, maxNorm: number): void {
  // The small epsilon keeps a zero norm from dividing by zero, as PyTorch's clip_grad_norm_ does.
  const coefficient = maxNorm / (norm + 1e-6);
  if (coefficient >= 1) return;
  replaceGrads(params, (g) => tf.mul(g, coefficient));
  const shard = params.gradShard;
  if (shard) for (let i = 0; i < shard.length; i++) shard[i]! *= coefficient;
}

/** Clamps every accumulated gradient element into [-clipVal, clipVal]. */
export function clipGradValue(params: ParamSet, clipVal: number): void {
  replaceGrads(params, (g) => tf.clipByValue(g, -clipVal, clipVal));
  // Under zero2/fsdp this rank's shard of the averaged gradients; clamping is elementwise, so shards clip alone.
  const shard = params.gradShard;
  if (shard) for (let i = 0; i < shard.length; i++) shard[i] = Math.min(clipVal, Math.max(-clipVal, shard[i]!));
}

function replaceGrads(params: ParamSet, transform: (grad: tf.Tensor) => tf.Tensor): void {
  for (const [name, grad] of [...params.grads]) {
    params.grads.set(name, transform(grad));
    grad.dispose();
  }
}
