/**
 * Optimizers over flat Float32Arrays: one rank updates only its shard of the parameters (ZeRO / FSDP), so the
 * update must work on a slice of every tensor at once instead of tfjs's per-variable tensors. Each step mirrors
 * the tfjs optimizer of the same name operation by operation in float32, so the two agree to float32 rounding.
 */
export interface FlatOptimizerState {
  /** Per-element state with the shard's length, by tfjs slot name ('m', 'v', 'momentum'). */
  slots: Record<string, Float32Array>;
  /** Scalar state by tfjs field name (Adam's 'accBeta1', 'accBeta2'), kept as float32 values. */
  scalars: Record<string, number>;
  /** Updates applied so far (tfjs's `optimizer.iterations`). */
  iterations: number;
}

export interface FlatOptimizer {
  /** The tfjs class name this optimizer matches (checkpoints record it). */
  readonly className: string;
  /** Names of the per-element slots, in the order tfjs's getWeights lists them. */
  readonly slotNames: readonly string[];
  /** The tfjs optimizer config (learning rate, betas, ...), as getConfig returns it. */
  readonly config: Record<string, number | boolean>;
  createState(length: number): FlatOptimizerState;
  /**
   * Updates `params` in place from `grads` (same length), advancing `state` by one step. With `ranges`, only
   * the elements inside them change (as tfjs leaves variables without a gradient alone).
   */
  step(params: Float32Array, grads: Float32Array, state: FlatOptimizerState, ranges?: readonly (readonly [number, number])[]): void;
}

export const f32 = Math.fround;

/** The ranges a step covers: all of it unless told otherwise. */
export function rangesOf(length: number, ranges?: readonly (readonly [number, number])[]): readonly (readonly [number, number])[] {
  return ranges ?? [[0, length]];
}

/** Fresh zeroed slots of `length` elements for each name. */
export function zeroSlots(names: readonly string[], length: number): Record<string, Float32Array> {
  return Object.fromEntries(names.map((name) => [name, new Float32Array(length)]));
}
