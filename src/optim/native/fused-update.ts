import * as tf from '@tensorflow/tfjs';
import type { FlatLayout } from '../flat-layout.js';
import { f32, type FlatOptimizer, type FlatOptimizerState } from '../flat-optimizer.js';
import { activeNativeBackend, TfResources, type OpAttr } from './tf-resources.js';

/** One TensorFlow training kernel that does a flat optimizer's whole update of one variable. */
interface NativeKernel {
  op: string;
  attrs: OpAttr[];
  /** The step's scalar inputs, from the config and the state before this step. */
  scalars(state: FlatOptimizerState): number[];
  /** The op's inputs in its declared order. */
  inputs(param: tf.Tensor, slots: tf.Tensor[], grad: tf.Tensor, scalars: tf.Tensor[]): tf.Tensor[];
  /** Decoupled weight decay applied before the update (AdamW): the factor the parameters are multiplied by. */
  decay?: () => number;
}

function kernelFor(flat: FlatOptimizer, r: TfResources): NativeKernel | undefined {
  const c = flat.config as Record<string, number | boolean>;
  const base = [r.floatAttr('T'), r.boolAttr('use_locking', false)];
  switch (flat.className) {
    case 'SGD':
      return { op: 'ResourceApplyGradientDescent', attrs: base, scalars: () => [c.learningRate as number], inputs: (p, _s, g, [lr]) => [p, lr!, g] };
    case 'Momentum':
      // accum = momentum * accum + g; p -= lr * accum (Nesterov: p -= lr * (g + momentum * accum)), as tf.train.momentum.
      return {
        op: 'ResourceApplyMomentum',
        attrs: [...base, r.boolAttr('use_nesterov', Boolean(c.useNesterov))],
        scalars: () => [c.learningRate as number, c.momentum as number],
        inputs: (p, [acc], g, [lr, momentum]) => [p, acc!, lr!, g, momentum!],
      };
    case 'Adam':
    case 'AdamW':
      return {
        op: 'ResourceApplyAdam',
        attrs: [...base, r.boolAttr('use_nesterov', false)],
        // TensorFlow adds epsilon to sqrt(v) before bias correction, tfjs after: scaling it by sqrt(1 - beta2^t) makes them the same update.
        scalars: (s) => [s.scalars.accBeta1!, s.scalars.accBeta2!, c.learningRate as number, c.beta1 as number, c.beta2 as number, (c.epsilon as number) * Math.sqrt(1 - s.scalars.accBeta2!)],
        inputs: (p, [m, v], g, scalars) => [p, m!, v!, ...scalars, g],
        decay: flat.className === 'AdamW' ? () => f32(1 - (c.learningRate as number) * (c.weightDecay as number)) : undefined,
      };
    default:
      return undefined;
  }
}

/**
 * The fused optimizer update on tfjs-node: per variable, one TensorFlow training kernel (ResourceApplyAdam, ...)
 * instead of tfjs's chain of about ten ops, and no copy of the parameters into JavaScript. The optimizer's slots
 * (Adam's m and v) live in TensorFlow resource variables while training; the flat state's arrays stay the record
 * that checkpoints read and write, copied out only when asked (`copySlotsInto`) and back in after a load.
 */
export class NativeFusedUpdate {
  private paramHandles?: tf.Tensor[];
  private slotHandles: tf.Tensor[][] = [];
  /** The flat state's slot arrays hold values the resources do not (a fresh state, or one a checkpoint loaded). */
  private arraysAhead = true;
  /** The resources hold updates the flat state's slot arrays do not have yet. */
  private resourcesAhead = false;

  private constructor(
    private readonly flat: FlatOptimizer,
    private readonly kernel: NativeKernel,
    private readonly resources: TfResources,
  ) {}

  /** The native update for this flat optimizer, or undefined when tfjs-node is not the backend or the optimizer has no kernel. */
  static for(flat: FlatOptimizer): NativeFusedUpdate | undefined {
    const backend = activeNativeBackend();
    if (!backend) return undefined;
    const resources = new TfResources(backend);
    const kernel = kernelFor(flat, resources);
    return kernel && new NativeFusedUpdate(flat, kernel, resources);
  }

  /** Updates every variable that has a gradient (others keep their values and slots, as in tfjs) and advances `state` one step. */
  step(variables: tf.Variable[], grads: (tf.Tensor | undefined)[], state: FlatOptimizerState, layout: FlatLayout): void {
    this.ensureResources(variables, state, layout);
    const scalars = this.kernel.scalars(state).map((value) => tf.scalar(value));
    const keep = this.kernel.decay && tf.scalar(this.kernel.decay());
    try {
      variables.forEach((variable, i) => {
        const grad = grads[i];
        if (!grad) return;
        const param = this.paramHandles![i]!;
        const start = keep ? tf.mul(variable, keep) : variable;
        this.resources.write(param, start);
        if (start !== variable) start.dispose();
        this.resources.apply(this.kernel.op, this.kernel.attrs, this.kernel.inputs(param, this.slotHandles[i]!, grad, scalars));
        const next = this.resources.read(param);
        variable.assign(next);
        next.dispose();
      });
    } finally {
      tf.dispose(scalars);
      keep?.dispose();
    }
    // No elements: this advances the step-wide scalars (iterations, Adam's beta powers) exactly as the JS pass does.
    this.flat.step(new Float32Array(0), new Float32Array(0), state, []);
    this.resourcesAhead = true;
  }

  /** Copies the slots held in TensorFlow into the flat state's arrays (before a checkpoint reads them). */
  copySlotsInto(state: FlatOptimizerState, layout: FlatLayout): void {
    if (!this.resourcesAhead) return;
    this.slotHandles.forEach((handles, i) => {
      handles.forEach((handle, k) => {
        const value = this.resources.read(handle);
        state.slots[this.flat.slotNames[k]!]!.set(value.dataSync() as Float32Array, layout.offsets[i]!);
        value.dispose();
      });
    });
    this.resourcesAhead = false;
  }

  /** The flat state was replaced (a checkpoint load): the next step starts from its arrays. */
  stateReplaced(): void {
    this.arraysAhead = true;
    this.resourcesAhead = false;
  }

  private ensureResources(variables: tf.Variable[], state: FlatOptimizerState, layout: FlatLayout): void {
    if (!this.paramHandles) {
      this.paramHandles = variables.map((v) => this.resources.create(v.shape));
      this.slotHandles = variables.map((v) => this.flat.slotNames.map(() => this.resources.create(v.shape)));
    }
    if (!this.arraysAhead) return;
    this.slotHandles.forEach((handles, i) => {
      const [start, end] = [layout.offsets[i]!, layout.offsets[i]! + layout.sizes[i]!];
      handles.forEach((handle, k) => {
        const value = tf.tensor(state.slots[this.flat.slotNames[k]!]!.subarray(start, end), layout.shapes[i]);
        this.resources.write(handle, value);
        value.dispose();
      });
    });
    this.arraysAhead = false;
  }
}
