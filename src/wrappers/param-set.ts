import * as tf from '@tensorflow/tfjs';

/** What optimizer.step() says when no gradient was accumulated (every step path: plain, fused, native, sharded). */
export const NO_GRADIENTS_MESSAGE = 'optimizer.step() found no gradients: call `await fabric.backward(() => loss)` first (or after zeroGrad()).';

/** What `fabric.setup` accepts as a model: a Layers model, a list of variables, or a record of named variables. */
export type Trainable = tf.LayersModel | tf.Variable[] | Record<string, tf.Variable>;

/**
 * The parameters of one model under stable names, plus their accumulated gradients (like PyTorch's `.grad`).
 * Names do not depend on tfjs's per-process layer counters, so a checkpoint loads into a fresh process:
 * layer models use `layers.<i>.<weight>`, records use their keys, variable lists use `params.<i>`.
 */
export class ParamSet {
  readonly names: string[];
  readonly variables: tf.Variable[];
  readonly grads = new Map<string, tf.Tensor>();
  /** Under zero2/fsdp: this rank's shard of the averaged gradients (the full ones are dropped after reduce-scatter). */
  gradShard?: Float32Array;
  /** Under fsdp between steps: the variables hold no values; the strategy gathers them before the next forward. */
  released = false;
  /** True while `grads` holds gradients accumulated under noBackwardSync that no rank has seen yet. */
  unsynced = false;
  private readonly byVariableName = new Map<string, string>();

  constructor(readonly model: Trainable) {
    const named = namedVariables(model);
    this.names = named.map(([name]) => name);
    this.variables = named.map(([, variable]) => variable);
    named.forEach(([name, variable]) => this.byVariableName.set(variable.name, name));
  }

  get trainable(): tf.Variable[] {
    return this.variables.filter((v) => v.trainable);
  }

  variable(name: string): tf.Variable | undefined {
    const index = this.names.indexOf(name);
    return index < 0 ? undefined : this.variables[index];
  }

  /** The stable name of a tfjs variable (by its engine name). */
  nameOf(variableName: string): string | undefined {
    return this.byVariableName.get(variableName);
  }

  /** Adds gradients to the accumulated ones (gradient accumulation keeps adding until zeroGrad). */
  accumulate(grads: Map<string, tf.Tensor>): void {
    addInto(this.grads, grads);
  }

  zeroGrad(): void {
    for (const grad of this.grads.values()) grad.dispose();
    this.grads.clear();
    this.gradShard = undefined;
    this.unsynced = false;
  }

  /** Adds the accumulated gradients into `into` and forgets them here (they go into one reduction together). */
  moveGradsInto(into: Map<string, tf.Tensor>): void {
    addInto(into, this.grads);
    this.grads.clear();
  }
}

/** Adds each gradient of `source` to the one of the same name in `target` (or puts it there); `target` owns the results. */
function addInto(target: Map<string, tf.Tensor>, source: Map<string, tf.Tensor>): void {
  for (const [name, grad] of source) {
    const previous = target.get(name);
    if (previous) {
      target.set(name, tf.add(previous, grad));
      previous.dispose();
      grad.dispose();
    } else {
      target.set(name, grad);
    }
  }
}

function namedVariables(model: Trainable): [string, tf.Variable][] {
  if (model instanceof tf.LayersModel) {
    const out: [string, tf.Variable][] = [];
    model.layers.forEach((layer, index) => {
      const seen = new Set<string>();
      for (const weight of layer.weights) {
        // LayerVariable keeps the engine tf.Variable in `.val`; the short name is the last path part.
        const variable = (weight as unknown as { val: tf.Variable }).val;
        let short = weight.originalName.split('/').pop() ?? weight.originalName;
        if (seen.has(short)) short = `${short}_${seen.size}`;
        seen.add(short);
        out.push([`layers.${index}.${short}`, variable]);
      }
    });
    return out;
  }
  if (Array.isArray(model)) return model.map((v, i) => [`params.${i}`, v]);
  if (model && typeof model === 'object') {
    return Object.entries(model).map(([name, v]) => {
      if (!(v instanceof tf.Variable)) throw new TypeError(`fabric.setup: '${name}' is not a tf.Variable; a record of parameters must hold only variables.`);
      return [name, v];
    });
  }
  throw new TypeError('fabric.setup expects a tf.LayersModel, an array of tf.Variable, or a record of tf.Variable.');
}
