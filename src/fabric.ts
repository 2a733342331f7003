import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from './errors.js';
import { callHook } from './callbacks/dispatch.js';
import { connect, type Connection, type ConnectorOptions } from './connector.js';
import { readCheckpoint, restoreCheckpoint, saveCheckpoint, assignParams, type CheckpointState, type SaveFilter } from './checkpoint/state.js';
import { readSafetensorsFile } from './checkpoint/safetensors.js';
import { DataLoader, type DataLoaderState } from './data/dataloader.js';
import { ProgressReporter } from './launcher/progress-reporter.js';
import type { Logger } from './loggers/logger.js';
import { createLoggers, type LoggerResume } from './loggers/create.js';
import { readCheckpointInfo } from './run-dir/checkpoints.js';
import { isFabricModule, setupFabricModule, type FabricModule } from './module.js';
import { getRngState, seedEverything, setRngState } from './seed.js';
import { releasedError } from './strategies/sharded.js';
import type { ReduceOp, Strategy } from './strategies/strategy.js';
import { FabricOptimizer } from './wrappers/fabric-optimizer.js';
import { clipGradNorm, clipGradValue, scaleToNorm } from './wrappers/grad-clipping.js';
import { ParamSet, type Trainable } from './wrappers/param-set.js';

export interface FabricOptions extends ConnectorOptions {
  /** Objects whose methods `fabric.call(hookName, ...)` invokes. */
  callbacks?: object[];
  /** Logger instances, or names ('csv') created in the run directory. Under the CLI the run's loggers are added. */
  loggers?: (Logger | string)[];
}

export type TrainFn = (fabric: Fabric, args: string[]) => unknown | Promise<unknown>;

/** What collectives accept besides tensors. */
export type Collectable = tf.Tensor | Float32Array | Int32Array | number;

type OptimizerTuple<O extends tf.Optimizer[]> = { [K in keyof O]: FabricOptimizer };

/**
 * The one object a training script talks to. It stays thin: devices, ranks and numbers are the
 * connector's parts; Fabric wires them to the user's loop.
 */
export class Fabric {
  /** The tfjs namespace with the chosen backend active; use it so the script and Fabric share one engine. */
  readonly tf = tf;
  callbacks: object[];
  loggers: Logger[] = [];
  /** Set when the launcher asked this rank to stop (Ctrl+C); a loop may check it to finish cleanly. */
  stopRequested = false;
  private connection?: Connection;
  private readonly paramSets = new Map<unknown, ParamSet>();
  private readonly optimizers = new Map<tf.Optimizer, FabricOptimizer>();
  private readonly syncedParams = new WeakSet<ParamSet>();
  private readonly savesInFlight = new Set<Promise<void>>();
  private lastEventLoopTurn = Date.now();
  private reporter?: ProgressReporter;
  private stepOverride = 0;
  private logCalls = 0;
  private syncEnabled = true;
  private readonly flushOnExit = () => this.flushLoggers();

  constructor(private readonly options: FabricOptions = {}) {
    this.callbacks = [...(options.callbacks ?? [])];
  }

  static seedEverything(seed: number): number {
    return seedEverything(seed);
  }

  /** Activates the backend and joins the other ranks; then runs `fn(fabric)` if given. */
  async launch<T>(fn?: (fabric: Fabric) => T | Promise<T>): Promise<T | undefined> {
    if (!this.connection) {
      // callbacks and logger instances are Fabric's own; only the settings the CLI can also set go to the connector.
      const { callbacks: _callbacks, loggers: _loggers, ...settings } = this.options;
      this.connection = await connect(settings, tf, process.env);
      await this.connection.strategy.setup();
      const runDir = process.env.FABRIC_RUN_DIR;
      this.loggers = this.isGlobalZero ? createLoggers(this.options.loggers ?? [], this.connection.config, runDir, this.loggerResume()) : [];
      // Only the launcher listens on the IPC channel; another parent (a test runner, a process manager) must not get our messages.
      this.reporter = process.env.FABRIC_CLI === '1' ? ProgressReporter.fromProcess(this.globalRank) : new ProgressReporter(this.globalRank, undefined);
      this.reporter.start(this.connection.accelerator.backend, () => tf.memory().numBytes);
      process.once('exit', this.flushOnExit);
    }
    return fn ? await fn(this) : undefined;
  }

  private get parts(): Connection {
    if (!this.connection) throw new Error('Fabric is not launched yet: call `await fabric.launch()` first (the CLI does this before train()).');
    return this.connection;
  }

  get strategy(): Strategy {
    return this.parts.strategy;
  }
  get globalRank(): number {
    return this.parts.environment.globalRank;
  }
  get localRank(): number {
    return this.parts.environment.localRank;
  }
  get nodeRank(): number {
    return this.parts.environment.nodeRank;
  }
  get worldSize(): number {
    return this.parts.environment.worldSize;
  }
  get isGlobalZero(): boolean {
    return this.globalRank === 0;
  }
  /** e.g. "cpu:0 (wasm)". */
  get device(): string {
    return `${this.parts.accelerator.accelerator}:${this.localRank} (${this.parts.accelerator.backend})`;
  }
  get backend(): string {
    return this.parts.accelerator.backend;
  }
  get precision(): string {
    return this.parts.precision.name;
  }
  get config() {
    return this.parts.config;
  }
  get logger(): Logger | undefined {
    return this.loggers[0];
  }
  /** The checkpoint `fabric resume` started this run from; undefined on a fresh run. Restore with `await fabric.load(fabric.resumePath, state)`. */
  get resumePath(): string | undefined {
    return process.env.FABRIC_RESUME_PATH || undefined;
  }
  /** Optimizer steps taken so far (by the first optimizer set up); the default step of `log`. */
  get globalStep(): number {
    const first = this.optimizers.values().next().value as FabricOptimizer | undefined;
    return first ? first.stepCount : this.stepOverride;
  }

  /** Prepares a model and its optimizers; returns the model and one FabricOptimizer per optimizer. */
  setup<M extends FabricModule<any>>(module: M, ...optimizers: tf.Optimizer[]): [M, ...FabricOptimizer[]];
  setup<M extends Trainable, O extends tf.Optimizer[]>(model: M, ...optimizers: O): [M, ...OptimizerTuple<O>];
  setup(model: Trainable | FabricModule<any>, ...optimizers: tf.Optimizer[]): unknown[] {
    // A FabricModule brings its model, optimizers (configureOptimizers) and hooks (registered as a callback).
    if (isFabricModule(model)) return setupFabricModule(this, model, optimizers);
    const params = this.setupModule(model);
    const wrapped = optimizers.map((optimizer) => this.wrapOptimizer(optimizer, params));
    return [model, ...wrapped];
  }

  setupModule<M extends Trainable>(model: M): ParamSet {
    this.parts;
    let params = this.paramSets.get(model);
    if (!params) {
      params = new ParamSet(model);
      this.paramSets.set(model, params);
      if (this.strategy.sharded?.stage === 'fsdp' && model instanceof tf.LayersModel) guardReleasedModel(model, params);
    }
    return params;
  }

  /** Binds optimizers to every parameter set up so far (use setup(model, opt) when there are several models). */
  setupOptimizers<O extends tf.Optimizer[]>(...optimizers: O): OptimizerTuple<O> {
    const all = [...this.paramSets.values()];
    if (all.length !== 1) throw new FabricUserError('setupOptimizers needs exactly one model set up first; with several models use fabric.setup(model, optimizer) for each.');
    return optimizers.map((o) => this.wrapOptimizer(o, all[0])) as OptimizerTuple<O>;
  }

  /** Gives each loader this rank's share of the data; a share with no batch is a FabricUserError. */
  // `any`: each loader keeps its own item and batch types through the call.
  setupDataloaders<L extends DataLoader<any, any>[]>(...loaders: L): L {
    for (const loader of loaders) {
      loader.distribute(this.worldSize, this.globalRank);
      if (this.dataloaders.includes(loader)) continue;
      // Once per loader and only on rank 0: every rank pads the same way.
      const padding = this.isGlobalZero ? loader.paddingWarning() : undefined;
      if (padding) process.stderr.write(`tfjs-fabric: warning: ${padding}\n`);
      // Checkpoints save every loader set up here, in this order; a load that came first left their states waiting.
      this.dataloaders.push(loader);
      const waiting = this.pendingLoaderStates.shift();
      if (waiting) loader.loadStateDict(waiting);
    }
    return loaders;
  }

  /**
   * Computes gradients of the loss that `lossFn` returns, syncs them across ranks and adds them to the model's.
   * Under mixed precision the forward pass sees the parameters rounded to 16 bits; with loss scaling the gradients
   * are unscaled here, so clipping sees true values. Returns the (unscaled) loss value.
   */
  async backward(lossFn: () => tf.Scalar, options: { model?: Trainable } = {}): Promise<number> {
    // On one rank nothing here waits for I/O, so a loop would never let signal and IPC handlers run; give them a turn now and then.
    if (Date.now() - this.lastEventLoopTurn > 50) {
      await new Promise((resolve) => setImmediate(resolve));
      this.lastEventLoopTurn = Date.now();
    }
    const targets = options.model ? [this.paramSetOf(options.model)] : [...this.paramSets.values()];
    if (targets.length === 0) throw new FabricUserError('fabric.backward found no model: call fabric.setup(model, optimizer) before training.');
    const { precision, strategy } = this.parts;
    for (const params of targets) {
      // Lazily, because setup() is synchronous: every rank starts from rank 0's weights before its first gradient.
      if (!this.syncedParams.has(params)) {
        await strategy.syncParams(params);
        precision.convertParams(params.trainable);
        this.syncedParams.add(params);
      }
      // fsdp holds only a shard between steps; the forward pass needs the whole parameters.
      await strategy.sharded?.gatherParams(params);
    }
    const variables = targets.flatMap((p) => p.trainable);
    const scale = precision.lossScale();
    const { value, grads } = precision.forward(variables, () => tf.variableGrads(() => precision.scaleLoss(lossFn()), variables));
    const loss = (await value.data())[0] / scale;
    value.dispose();
    for (const params of targets) {
      const mine = new Map<string, tf.Tensor>();
      for (const variable of params.trainable) {
        const grad = grads[variable.name];
        if (grad) mine.set(params.nameOf(variable.name)!, grad);
      }
      if (strategy.sharded?.shardsGradients || (this.syncEnabled && params.unsynced)) {
        // zero2/fsdp reduce-scatter float32 gradients, and gradients accumulated under noBackwardSync are already
        // unscaled: unscale these first, and let the local ones join this backward's in the one reduction.
        precision.unscaleGradients(mine);
        if (this.syncEnabled) {
          params.moveGradsInto(mine);
          await strategy.reduceGradients(mine, { params });
        }
      } else {
        // Gradients cross ranks still scaled (small float16 values survive the 16-bit transport), then are unscaled.
        if (this.syncEnabled) await strategy.reduceGradients(mine, { halfFormat: precision.halfFormat, params });
        precision.unscaleGradients(mine);
      }
      params.unsynced = !this.syncEnabled;
      params.accumulate(mine);
    }
    return loss;
  }

  /**
   * Clips the accumulated gradients (already unscaled by backward) by global norm (resolves to the norm before
   * clipping) or by value. A Promise because under zero2/fsdp the norm is summed across every rank's shard.
   */
  async clipGradients(model: Trainable, _optimizer: FabricOptimizer | undefined, options: { maxNorm?: number; normType?: number; clipVal?: number }): Promise<number> {
    const params = this.paramSetOf(model);
    const { maxNorm, clipVal, normType = 2 } = options;
    if ((maxNorm === undefined) === (clipVal === undefined)) throw new TypeError('clipGradients needs exactly one of { maxNorm } or { clipVal }.');
    const sharded = this.strategy.sharded;
    if (clipVal !== undefined) {
      clipGradValue(params, clipVal);
      return Number.NaN;
    }
    if (!sharded) return clipGradNorm(params, maxNorm!, normType);
    const norm = await sharded.gradNorm(params, normType);
    scaleToNorm(params, norm, maxNorm!);
    return norm;
  }

  /**
   * Runs `fn` with the model's full parameters in its variables. Only fsdp needs this (it keeps a shard between
   * steps), e.g. for evaluation: `await fabric.withFullParams(model, () => model.predict(x))`. Every rank must call it.
   */
  async withFullParams<T>(model: Trainable, fn: () => T | Promise<T>): Promise<T> {
    const params = this.paramSetOf(model);
    const sharded = this.strategy.sharded;
    const wasReleased = params.released;
    await sharded?.gatherParams(params);
    try {
      return await fn();
    } finally {
      if (wasReleased) sharded?.releaseParams(params);
    }
  }

  /** Runs `fn` without gradient sync across ranks (gradient accumulation); the sync happens on the next backward outside it. */
  async noBackwardSync<T>(_model: Trainable, enabled: boolean, fn: () => T | Promise<T>): Promise<T> {
    const previous = this.syncEnabled;
    this.syncEnabled = !enabled;
    try {
      return await fn();
    } finally {
      this.syncEnabled = previous;
    }
  }

  /** Reduces across ranks; accepts a tensor, a Float32Array/Int32Array or a number and returns the same kind. */
  allReduce<T extends Collectable>(value: T, op: ReduceOp = 'mean'): Promise<T> {
    return this.throughTensor(value, (t) => this.strategy.allReduce(t, op));
  }
  /** Stacks every rank's tensor along a new first axis (same shape on every rank). */
  allGather(tensor: tf.Tensor): Promise<tf.Tensor> {
    return this.strategy.allGather(tensor);
  }
  /** Every rank's tensor, in rank order; their first dimensions may differ. */
  allGatherList(tensor: tf.Tensor): Promise<tf.Tensor[]> {
    return this.strategy.allGatherList(tensor);
  }
  /** Reduces the flattened value across ranks; this rank keeps its chunk (as equal as possible, in rank order). */
  reduceScatter<T extends tf.Tensor | Float32Array | Int32Array>(value: T, op: ReduceOp = 'sum'): Promise<T> {
    return this.throughTensor(value, (t) => this.strategy.reduceScatter(t, op));
  }
  broadcast<T>(value: T, src = 0): Promise<T> {
    return this.strategy.broadcast(value, src);
  }
  barrier(name?: string): Promise<void> {
    return this.strategy.barrier(name);
  }

  /** Rank 0 runs `fn` first (e.g. to download or cache data), then the others. */
  async rankZeroFirst<T>(fn: () => T | Promise<T>): Promise<T> {
    if (!this.isGlobalZero) await this.barrier('rank-zero-first');
    const result = await fn();
    if (this.isGlobalZero) await this.barrier('rank-zero-first');
    return result;
  }

  /** Runs a hook on every callback that has it, in order. */
  call(hook: string, ...args: unknown[]): Promise<void> {
    return callHook(this.callbacks, hook, args);
  }

  log(name: string, value: number | tf.Tensor, step?: number): void {
    this.logDict({ [name]: value }, step);
  }

  /** Sends metrics to every logger and the launcher's progress view. Tensors must be scalars. */
  logDict(metrics: Record<string, number | tf.Tensor>, step?: number): void {
    const values: Record<string, number> = {};
    for (const [name, value] of Object.entries(metrics)) values[name] = toNumber(name, value);
    const at = step ?? (this.optimizers.size > 0 ? this.globalStep : this.logCalls++);
    for (const logger of this.loggers) logger.logMetrics(values, at);
    this.reporter?.update(at, values);
  }

  logHyperparams(params: Record<string, unknown>): void {
    for (const logger of this.loggers) logger.logHyperparams(params);
  }

  /** Declares how many steps the run will take, so the dashboard can show an ETA. */
  setTotalSteps(steps: number): void {
    if (!Number.isInteger(steps) || steps < 1) throw new TypeError(`setTotalSteps expects a positive integer, got ${steps}.`);
    if (this.reporter) this.reporter.totalSteps = steps;
  }

  /** Prints on rank 0 only. */
  print(...args: unknown[]): void {
    if (this.isGlobalZero) console.log(...args);
  }

  /** Runs `fn` and rounds the tensors it returns to the 16-bit format (a no-op at 32-true); e.g. `fabric.autocast(() => x)` for inputs. */
  autocast<T>(fn: () => T): T {
    return this.parts.precision.autocast(fn);
  }

  /** Writes a checkpoint directory atomically: models/optimizers as safetensors, the rest as JSON. */
  async save(path: string, state: CheckpointState, options: { filter?: SaveFilter } = {}): Promise<void> {
    const meta = {
      globalStep: this.globalStep,
      rng: getRngState(),
      precision: this.precision,
      precisionState: this.parts.precision.stateDict(),
      strategy: this.strategy.name,
      worldSize: this.worldSize,
      backend: this.backend,
      tfjsVersion: tf.version.tfjs,
      savedAt: new Date().toISOString(),
      ...this.resumeMeta(),
    };
    const sharded = this.strategy.sharded;
    if (sharded && this.worldSize > 1) {
      // Every rank writes its share; fsdp gathers the parameters for it, since model files hold whole tensors.
      const released = await this.gatherReleasedParams();
      const shards = { rank: this.globalRank, worldSize: this.worldSize, broadcast: <T>(value: T, src: number) => this.strategy.broadcast(value, src) };
      try {
        await this.trackSave(saveCheckpoint(path, state, { ...this.checkpointContext(), shards }, meta, options.filter));
      } finally {
        for (const params of released) sharded.releaseParams(params);
      }
      return;
    }
    if (this.isGlobalZero) await this.trackSave(saveCheckpoint(path, state, this.checkpointContext(), meta, options.filter));
    await this.barrier('save');
  }

  private async trackSave(saving: Promise<void>): Promise<void> {
    this.savesInFlight.add(saving);
    try {
      await saving;
    } finally {
      this.savesInFlight.delete(saving);
    }
  }

  /** Under fsdp: makes every model's variables hold full values again; returns the ones that were released. */
  private async gatherReleasedParams(): Promise<ParamSet[]> {
    const released = [...this.paramSets.values()].filter((p) => p.released);
    for (const params of released) await this.strategy.sharded?.gatherParams(params);
    return released;
  }

  /** Restores `state` in place from a checkpoint and returns the entries it did not ask for. */
  async load(path: string, state: CheckpointState = {}, options: { strict?: boolean } = {}): Promise<Record<string, unknown>> {
    const checkpoint = await readCheckpoint(path);
    // fsdp: the variables must exist to be overwritten; afterwards each rank takes its shard from them again.
    const released = await this.gatherReleasedParams();
    const rest = await restoreCheckpoint(checkpoint, state, this.checkpointContext(), options.strict ?? true);
    for (const params of this.paramSets.values()) this.strategy.sharded?.paramsChanged(params);
    for (const params of released) this.strategy.sharded?.releaseParams(params);
    // A float32 checkpoint loaded under bf16-true / 16-true must hold 16-bit values like the rest of training.
    for (const params of this.paramSets.values()) this.parts.precision.convertParams(params.trainable);
    const meta = checkpoint.state.fabric as { globalStep?: number; rng?: Parameters<typeof setRngState>[0]; precisionState?: Record<string, unknown> };
    if (meta.globalStep !== undefined && this.optimizers.size === 0) this.stepOverride = meta.globalStep;
    if (meta.rng) setRngState(meta.rng);
    if (meta.precisionState) this.parts.precision.loadStateDict(meta.precisionState);
    this.restoreResumeMeta(checkpoint.state.fabric);
    return rest;
  }

  /** Loads a bare .safetensors file (e.g. from `model.safetensors`) into a model. */
  async loadRaw(path: string, model: Trainable, options: { strict?: boolean } = {}): Promise<void> {
    const params = this.paramSets.get(model) ?? new ParamSet(model);
    const file = await readSafetensorsFile(path);
    assignParams(params, file.tensors, path, options.strict ?? true);
    this.parts.precision.convertParams(params.trainable);
  }

  /** Flushes loggers and reports the end to the launcher (the CLI calls this after train()). */
  async teardown(options: { failed?: boolean } = {}): Promise<void> {
    this.reporter?.end();
    for (const logger of this.loggers) logger.close(options);
    process.off('exit', this.flushOnExit);
    await this.connection?.strategy.teardown();
    for (const params of this.paramSets.values()) params.zeroGrad();
  }

  /** Waits for checkpoints being written (a stop request must not cut a save short), at most `timeoutMs`. */
  async settle(timeoutMs = 4000): Promise<void> {
    if (this.savesInFlight.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    await Promise.race([Promise.allSettled([...this.savesInFlight]), limit]);
    clearTimeout(timer);
  }

  /** Synchronous flush for signal handlers and process exit. */
  flushLoggers(): void {
    for (const logger of this.loggers) {
      try {
        logger.flush();
      } catch (error) {
        console.error(`Could not flush logger ${logger.name}: ${(error as Error).message}`);
      }
    }
  }

  /** Runs a tensor collective on a typed array or number too, giving back the caller's kind. */
  private async throughTensor<T extends Collectable>(value: T, op: (t: tf.Tensor) => Promise<tf.Tensor>): Promise<T> {
    if (value instanceof tf.Tensor) return (await op(value)) as T;
    const input = typeof value === 'number' ? tf.scalar(value) : tf.tensor1d(value as Float32Array | Int32Array, value instanceof Int32Array ? 'int32' : 'float32');
    const result = await op(input);
    input.dispose();
    const data = result.dataSync();
    result.dispose();
    if (typeof value === 'number') return data[0] as T;
    return (value instanceof Int32Array ? Int32Array.from(data) : Float32Array.from(data)) as T;
  }

  private wrapOptimizer(optimizer: tf.Optimizer, params: ParamSet): FabricOptimizer {
    if (!(optimizer instanceof tf.Optimizer)) throw new TypeError('fabric.setup: optimizers must be tfjs optimizers such as tf.train.adam(1e-3).');
    // The fused update beats tfjs's per-variable op chains: a flat JS pass on wasm and pure JS, one TensorFlow
    // kernel per variable on tfjs-node. FABRIC_FUSED_OPTIMIZER=0 keeps tfjs's own update (to compare, or rule it out).
    const fused = ['wasm', 'cpu', 'tensorflow'].includes(this.backend) && process.env.FABRIC_FUSED_OPTIMIZER !== '0';
    const wrapped = new FabricOptimizer(optimizer, params, undefined, this.parts.precision, this.strategy.sharded, { fused });
    this.optimizers.set(optimizer, wrapped);
    return wrapped;
  }

  private paramSetOf(model: Trainable): ParamSet {
    const params = this.paramSets.get(model);
    if (!params) throw new FabricUserError('This model was not set up: call fabric.setup(model, optimizer) first.');
    return params;
  }

  private checkpointContext() {
    const { precision } = this.parts;
    return {
      modelFormat: precision.halfParams ? precision.halfFormat : undefined,
      paramSetFor: (model: unknown) => this.paramSets.get(model),
      optimizerFor: (optimizer: unknown) => this.optimizers.get(optimizer as tf.Optimizer) ?? [...this.optimizers.values()].find((o) => o === optimizer),
    };
  }

  // ---- resume: what every checkpoint holds besides the user's state (data position, loggers' step, run identity) ----
  private readonly dataloaders: DataLoader<any, any>[] = [];
  private pendingLoaderStates: DataLoaderState[] = [];

  /** The resume part of a checkpoint's fabric meta. */
  private resumeMeta(): Record<string, unknown> {
    // What was logged up to this checkpoint must be on disk: a run killed later resumes from here and keeps it.
    this.flushLoggers();
    const loggerSteps = this.loggers.map((logger) => logger.lastStep).filter((step): step is number => step !== undefined);
    return {
      dataloaders: this.dataloaders.map((loader) => loader.stateDict()),
      // -1: loggers that logged nothing yet; absent without loggers, so a resume falls back to the global step.
      loggerStep: loggerSteps.length > 0 ? Math.max(...loggerSteps) : this.loggers.length > 0 ? -1 : undefined,
      logCalls: this.logCalls,
      runDir: process.env.FABRIC_RUN_DIR,
      scriptSha256: process.env.FABRIC_SCRIPT_SHA256,
    };
  }

  private restoreResumeMeta(meta: Record<string, unknown>): void {
    const states = Array.isArray(meta.dataloaders) ? (meta.dataloaders as DataLoaderState[]) : [];
    states.slice(0, this.dataloaders.length).forEach((state, i) => this.dataloaders[i].loadStateDict(state));
    this.pendingLoaderStates = states.slice(this.dataloaders.length);
    if (typeof meta.logCalls === 'number') this.logCalls = meta.logCalls;
  }

  /** On resume, the loggers drop what the killed run logged after the checkpoint. */
  private loggerResume(): LoggerResume | undefined {
    const path = this.resumePath;
    if (!path) return undefined;
    const { fabric } = readCheckpointInfo(path);
    return { lastLoggedStep: fabric.loggerStep ?? fabric.globalStep ?? -1 };
  }
}

/** Under fsdp a model's variables are empty between steps; using it then gets a clear error instead of a backend crash. */
function guardReleasedModel(model: tf.LayersModel, params: ParamSet): void {
  for (const method of ['predict', 'predictOnBatch', 'evaluate', 'apply', 'execute', 'getWeights'] as const) {
    const original = (model as unknown as Record<string, (...args: unknown[]) => unknown>)[method]!.bind(model);
    (model as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (params.released) throw releasedError(`model.${method}()`);
      return original(...args);
    };
  }
}

function toNumber(name: string, value: number | tf.Tensor): number {
  if (typeof value === 'number') return value;
  if (value instanceof tf.Tensor) {
    if (value.size !== 1) throw new TypeError(`fabric.log('${name}'): expected a scalar, got a tensor of shape [${value.shape}]. Reduce it first (e.g. tf.mean).`);
    return value.dataSync()[0];
  }
  throw new TypeError(`fabric.log('${name}'): expected a number or scalar tensor, got ${typeof value}.`);
}
