/**
 * FabricModule: the LightningModule shape, opt-in. The model, its steps and its optimizers live in one class;
 * the user still writes the loop. `fabric.setup(module)` registers the module as a callback, so
 * `fabric.call('onTrainEpochEnd', ...)` reaches its hooks in the same order as the other callbacks.
 */
import type * as tf from '@tensorflow/tfjs';
import type { Fabric } from './fabric.js';
import type { FabricOptimizer } from './wrappers/fabric-optimizer.js';
import type { Trainable } from './wrappers/param-set.js';

/** The hook names a FabricModule (or any callback) may define; `fabric.call(name, ...)` runs them. */
export const MODULE_HOOKS = [
  'onFit',
  'onTrainStart',
  'onTrainEnd',
  'onTrainEpochStart',
  'onTrainEpochEnd',
  'onTrainBatchStart',
  'onTrainBatchEnd',
  'onValidationStart',
  'onValidationEnd',
  'onValidationEpochStart',
  'onValidationEpochEnd',
  'onValidationBatchEnd',
  'onSaveCheckpoint',
  'onLoadCheckpoint',
  'onInterrupt',
] as const;
export type ModuleHook = (typeof MODULE_HOOKS)[number];

/** What `validationStep` returns: a loss, or named scalars (e.g. { val_loss, val_acc }). */
export type StepOutput = tf.Scalar | number | Record<string, tf.Scalar | number>;

/**
 * Optional methods a FabricModule may define (`implements ModuleHooks` gives them types). They are not declared
 * on the class itself, so defining one needs no `override` under `noImplicitOverride`.
 */
export interface ModuleHooks<Batch = unknown> {
  validationStep?(batch: Batch, batchIndex: number): StepOutput;
  onFit?(...args: unknown[]): unknown;
  onTrainStart?(...args: unknown[]): unknown;
  onTrainEnd?(...args: unknown[]): unknown;
  onTrainEpochStart?(...args: unknown[]): unknown;
  onTrainEpochEnd?(...args: unknown[]): unknown;
  onTrainBatchStart?(...args: unknown[]): unknown;
  onTrainBatchEnd?(...args: unknown[]): unknown;
  onValidationStart?(...args: unknown[]): unknown;
  onValidationEnd?(...args: unknown[]): unknown;
  onValidationEpochStart?(...args: unknown[]): unknown;
  onValidationEpochEnd?(...args: unknown[]): unknown;
  onValidationBatchEnd?(...args: unknown[]): unknown;
  /** Called by `fabric.call('onSaveCheckpoint', state)`: add what you want saved to `state`. */
  onSaveCheckpoint?(state: Record<string, unknown>): unknown;
  /** Called by `fabric.call('onLoadCheckpoint', state)` with what `fabric.load` returned. */
  onLoadCheckpoint?(state: Record<string, unknown>): unknown;
  onInterrupt?(...args: unknown[]): unknown;
}

/**
 * Subclass it, give it a `model`, and implement `trainingStep` and `configureOptimizers`; add `validationStep`
 * and any hooks you need (see ModuleHooks). Hooks receive whatever `fabric.call(hook, ...args)` passes.
 */
export abstract class FabricModule<Batch = unknown> {
  /** What `fabric.setup` prepares: a LayersModel, a tf.Variable[] or a record of named variables. */
  abstract readonly model: Trainable;
  private attachedFabric?: Fabric;

  /** The loss of one training batch; called inside `fabric.backward(() => module.trainingStep(...))`. */
  abstract trainingStep(batch: Batch, batchIndex: number): tf.Scalar;

  /** The optimizers for `model`; used when `fabric.setup(module)` is given none. */
  abstract configureOptimizers(): tf.Optimizer | tf.Optimizer[];

  /** The Fabric this module was set up with. */
  get fabric(): Fabric {
    if (!this.attachedFabric) throw new Error(`${this.constructor.name} is not set up yet: call \`fabric.setup(module)\` first.`);
    return this.attachedFabric;
  }

  /** Shorthands for `fabric.log` / `fabric.logDict` / `fabric.print`. */
  log(name: string, value: number | tf.Tensor, step?: number): void {
    this.fabric.log(name, value, step);
  }
  logDict(metrics: Record<string, number | tf.Tensor>, step?: number): void {
    this.fabric.logDict(metrics, step);
  }
  print(...args: unknown[]): void {
    this.fabric.print(...args);
  }

  /** Internal: called once by `setupFabricModule`. */
  attach(fabric: Fabric): void {
    if (this.attachedFabric && this.attachedFabric !== fabric) {
      throw new Error(`${this.constructor.name} is already set up with another Fabric; create a new module for each Fabric.`);
    }
    this.attachedFabric = fabric;
  }
}

export function isFabricModule(value: unknown): value is FabricModule {
  return value instanceof FabricModule;
}

/**
 * `fabric.setup(module, ...optimizers)`: sets up `module.model` with the given optimizers (or those from
 * `configureOptimizers()`) and registers the module as a callback, once. Returns the module and the
 * wrapped optimizers.
 */
export function setupFabricModule<M extends FabricModule<any>>(fabric: Fabric, module: M, optimizers: tf.Optimizer[]): [M, ...FabricOptimizer[]] {
  module.attach(fabric);
  let chosen = optimizers;
  if (chosen.length === 0) {
    const configured = module.configureOptimizers();
    chosen = Array.isArray(configured) ? configured : [configured];
  }
  if (chosen.length === 0) throw new Error(`${module.constructor.name}.configureOptimizers() returned no optimizer; return at least one, e.g. tf.train.adam(1e-3).`);
  if (!fabric.callbacks.includes(module)) fabric.callbacks.push(module);
  const [, ...wrapped] = fabric.setup(module.model, ...chosen);
  return [module, ...(wrapped as FabricOptimizer[])];
}
