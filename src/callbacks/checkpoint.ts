/**
 * ModelCheckpoint: saves the state you register with it through `fabric.save`, every N steps and/or every epoch,
 * into `<run dir>/checkpoints/step_<S>`, keeps the newest K and always the best by a monitored metric.
 * Defaults come from the `checkpoint*` config keys (YAML, flags, env); constructor options win.
 *
 *   const checkpoints = new ModelCheckpoint(fabric, { model, optimizer, epoch: 0 }, { everyNSteps: 100, keepLast: 3 });
 *   fabric.callbacks.push(checkpoints);
 *   ... await fabric.call('onTrainBatchEnd', { loss });   // after optimizer.step()
 *   ... await fabric.call('onTrainEpochEnd', { val_loss });
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckpointState } from '../checkpoint/state.js';
import type { CheckpointMode } from '../config/schema.js';
import { FabricUserError } from '../errors.js';
import type { Fabric } from '../fabric.js';
import { CHECKPOINT_STATE_FILE } from '../run-dir/checkpoints.js';

export interface ModelCheckpointOptions {
  /** Where step_<S> folders go; default `<run dir>/checkpoints` under the CLI, else `<rootDir>/checkpoints`. */
  dirpath?: string;
  /** Save after every N-th optimizer step (on `onTrainBatchEnd`). */
  everyNSteps?: number | null;
  /** Save on every `onTrainEpochEnd`. */
  everyEpoch?: boolean;
  /** Keep only the K newest checkpoints; the best by `monitor` is kept as well. Default: keep all. */
  keepLast?: number | null;
  /** Metric (from the hook's metrics object) that ranks checkpoints. */
  monitor?: string | null;
  mode?: CheckpointMode;
}

/** Saved in each checkpoint so the ranking survives a resume. */
const SCORE_KEY = 'modelCheckpoint';
interface SavedScore {
  monitor: string | null;
  score: number | null;
}

interface Saved {
  dir: string;
  step: number;
  score: number | null;
}

export class ModelCheckpoint {
  readonly dirpath: string;
  readonly everyNSteps: number | null;
  readonly everyEpoch: boolean;
  readonly keepLast: number | null;
  readonly monitor: string | null;
  readonly mode: CheckpointMode;
  /** Checkpoints in this folder, oldest first; read from disk on the first save so a resumed run ranks the earlier ones too. */
  private saved: Saved[] | undefined;
  private lastSavedStep: number | undefined;

  constructor(
    private readonly fabric: Fabric,
    /** What each checkpoint holds, e.g. { model, optimizer, epoch }; plain values are read at save time, so update them in place. */
    readonly state: CheckpointState,
    options: ModelCheckpointOptions = {},
  ) {
    const config = fabric.config;
    this.everyNSteps = options.everyNSteps !== undefined ? options.everyNSteps : config.checkpointEveryNSteps;
    this.everyEpoch = options.everyEpoch ?? config.checkpointEveryEpoch;
    this.keepLast = options.keepLast !== undefined ? options.keepLast : config.checkpointKeepLast;
    this.monitor = options.monitor !== undefined ? options.monitor : config.checkpointMonitor;
    this.mode = options.mode ?? config.checkpointMode;
    for (const [name, value] of [['everyNSteps', this.everyNSteps], ['keepLast', this.keepLast]] as const) {
      if (value !== null && (!Number.isInteger(value) || value < 1)) throw new FabricUserError(`ModelCheckpoint ${name} must be a whole number of at least 1 (or null to turn it off), got ${String(value)}.`);
    }
    if (this.mode !== 'min' && this.mode !== 'max') throw new FabricUserError(`ModelCheckpoint mode must be 'min' or 'max', got ${JSON.stringify(this.mode)}.`);
    // Under the CLI the run directory; a script launched in code has none, so <rootDir>/checkpoints.
    this.dirpath = path.resolve(options.dirpath ?? path.join(process.env.FABRIC_RUN_DIR ?? config.rootDir, 'checkpoints'));
  }

  /** Call after optimizer.step(); the last argument that is an object of numbers is taken as the metrics. */
  async onTrainBatchEnd(...args: unknown[]): Promise<void> {
    const step = this.fabric.globalStep;
    if (this.everyNSteps !== null && step > 0 && step % this.everyNSteps === 0) await this.save(metricsIn(args));
  }

  async onTrainEpochEnd(...args: unknown[]): Promise<void> {
    if (this.everyEpoch) await this.save(metricsIn(args));
  }

  /** Saves now into step_<global step> (once per step), then removes checkpoints beyond keepLast that are not the best. */
  async save(metrics: Record<string, number> = {}): Promise<string> {
    const step = this.fabric.globalStep;
    const dir = path.join(this.dirpath, `step_${step}`);
    if (this.lastSavedStep === step) return dir;
    const score = this.monitor !== null && typeof metrics[this.monitor] === 'number' ? metrics[this.monitor] : null;
    const saved = (this.saved ??= readSaved(this.dirpath, this.monitor));
    const scoreEntry: SavedScore = { monitor: this.monitor, score };
    await this.fabric.save(dir, { ...this.state, [SCORE_KEY]: scoreEntry });
    this.lastSavedStep = step;
    this.saved = [...saved.filter((s) => s.step !== step), { dir, step, score }].sort((a, b) => a.step - b.step);
    if (this.fabric.isGlobalZero) this.prune();
    return dir;
  }

  /** The best checkpoint so far by `monitor` (undefined without a monitor or scores). */
  get bestPath(): string | undefined {
    return this.best()?.dir;
  }

  private best(): Saved | undefined {
    const better = (a: number, b: number) => (this.mode === 'min' ? a < b : a > b);
    let best: Saved | undefined;
    for (const s of this.saved ?? []) if (s.score !== null && !Number.isNaN(s.score) && (!best || better(s.score, best.score!))) best = s;
    return best;
  }

  private prune(): void {
    if (this.keepLast === null || !this.saved) return;
    const keep = new Set(this.saved.slice(-this.keepLast));
    const best = this.best();
    if (best) keep.add(best);
    for (const s of this.saved.filter((x) => !keep.has(x))) fs.rmSync(s.dir, { recursive: true, force: true });
    this.saved = this.saved.filter((s) => keep.has(s));
  }
}

function metricsIn(args: unknown[]): Record<string, number> {
  for (let i = args.length - 1; i >= 0; i--) {
    const arg = args[i];
    if (typeof arg === 'object' && arg !== null && !Array.isArray(arg) && Object.values(arg).every((v) => typeof v === 'number')) return arg as Record<string, number>;
  }
  return {};
}

/** The step_<S> checkpoints already in `dir` (a resumed run continues ranking them); a damaged one counts as unscored. */
function readSaved(dir: string, monitor: string | null): Saved[] {
  if (!fs.existsSync(dir)) return [];
  const found: Saved[] = [];
  for (const name of fs.readdirSync(dir)) {
    const match = /^step_(\d+)$/.exec(name);
    if (!match) continue;
    let score: number | null = null;
    try {
      const state = JSON.parse(fs.readFileSync(path.join(dir, name, CHECKPOINT_STATE_FILE), 'utf8')) as { json?: Record<string, SavedScore> };
      const saved = state.json?.[SCORE_KEY];
      if (saved && saved.monitor === monitor) score = saved.score;
    } catch {
      continue; // not a finished checkpoint
    }
    found.push({ dir: path.join(dir, name), step: Number(match[1]), score });
  }
  return found.sort((a, b) => a.step - b.step);
}
