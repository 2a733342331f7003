/**
 * Checkpoint directories as the launcher sees them: what `fabric resume` needs to know about a checkpoint
 * (its step, its run, the script hash) without loading a tensor. Kept free of tfjs like the rest of run-dir/.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { runPaths, type RunPaths } from './run-dir.js';

export const CHECKPOINT_STATE_FILE = 'state.json';
/** The newest checkpoint format this version reads; checkpoint/state.ts writes it (a test keeps the two equal). */
export const READABLE_CHECKPOINT_FORMAT = 1;

/** The fields of state.json's `fabric` section that resuming reads; the rest (tensors, user state) stays with fabric.load. */
export interface CheckpointFabricMeta {
  globalStep?: number;
  /** The highest step the run's loggers had recorded when the checkpoint was written. */
  loggerStep?: number;
  runDir?: string;
  scriptSha256?: string;
  worldSize?: number;
}

export interface CheckpointInfo {
  dir: string;
  formatVersion: number;
  fabric: CheckpointFabricMeta;
}

/** True when `dir` holds a checkpoint's state.json (no validation). */
export function isCheckpointDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, CHECKPOINT_STATE_FILE));
}

/** Reads and checks a checkpoint's state.json; every problem is a FabricUserError that says what to pass instead. */
export function readCheckpointInfo(dir: string): CheckpointInfo {
  const file = path.join(dir, CHECKPOINT_STATE_FILE);
  if (!fs.existsSync(dir)) throw new FabricUserError(`'${dir}' does not exist. Pass a checkpoint directory (one holding ${CHECKPOINT_STATE_FILE}, e.g. runs/<name>/version_<N>/checkpoints/step_<S>) or a run directory.`);
  if (!fs.existsSync(file)) throw new FabricUserError(`'${dir}' is not a tfjs-fabric checkpoint: it has no ${CHECKPOINT_STATE_FILE}. Pass a directory written by fabric.save, or a run directory (runs/<name>/version_<N>) to take its latest checkpoint.`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new FabricUserError(`'${file}' is not valid JSON (${(error as Error).message}); the checkpoint is damaged. Resume from an earlier checkpoint.`);
  }
  const state = (parsed ?? {}) as { formatVersion?: unknown; fabric?: unknown };
  if (typeof state.formatVersion !== 'number') throw new FabricUserError(`'${file}' has no format version, so it was not written by fabric.save. Pass a checkpoint directory written by fabric.save.`);
  if (state.formatVersion > READABLE_CHECKPOINT_FORMAT) {
    throw new FabricUserError(`Checkpoint '${dir}' has format version ${state.formatVersion}, newer than the version ${READABLE_CHECKPOINT_FORMAT} this tfjs-fabric reads: it was written by a newer tfjs-fabric. Upgrade tfjs-fabric to resume it.`);
  }
  const fabric = typeof state.fabric === 'object' && state.fabric !== null ? (state.fabric as CheckpointFabricMeta) : {};
  return { dir: path.resolve(dir), formatVersion: state.formatVersion, fabric };
}

/** The complete checkpoints of a run, oldest first (by global step, then time); temp and aside dirs of a save in progress are skipped. */
export function listCheckpoints(run: RunPaths): CheckpointInfo[] {
  const found: { info: CheckpointInfo; mtimeMs: number }[] = [];
  for (const dir of completeCheckpointDirs(run)) {
    const info = readCheckpointInfo(dir);
    found.push({ info, mtimeMs: fs.statSync(path.join(dir, CHECKPOINT_STATE_FILE)).mtimeMs });
  }
  found.sort((a, b) => (a.info.fabric.globalStep ?? -1) - (b.info.fabric.globalStep ?? -1) || a.mtimeMs - b.mtimeMs);
  return found.map((f) => f.info);
}

/** The run's checkpoint directories that hold a state.json, skipping the temp and aside dirs of a save in progress. */
function completeCheckpointDirs(run: RunPaths): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(run.checkpoints, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return entries
    .filter((entry) => entry.isDirectory() && !/\.(tmp|old)-/.test(entry.name))
    .map((entry) => path.join(run.checkpoints, entry.name))
    .filter(isCheckpointDir);
}

/** True when `fabric resume <run dir>` would find a checkpoint (without reading one). */
export function hasCompleteCheckpoint(run: RunPaths): boolean {
  return completeCheckpointDirs(run).length > 0;
}

export interface ResumeTarget {
  checkpoint: CheckpointInfo;
  run: RunPaths;
}

/**
 * `fabric resume <dir>`: a run directory, or its `checkpoints/` folder, resumes from the run's latest checkpoint; a
 * checkpoint directory finds its run through the run dir recorded in it, or its place under `<run>/checkpoints/`.
 */
export function resolveResumeTarget(given: string): ResumeTarget {
  const dir = path.resolve(given);
  const parent = path.dirname(dir);
  const isCheckpointsFolder = path.basename(dir) === 'checkpoints' && fs.existsSync(runPaths(parent).runJson) && path.resolve(runPaths(parent).checkpoints) === dir;
  const asRun = runPaths(isCheckpointsFolder ? parent : dir);
  if (fs.existsSync(asRun.runJson) && !isCheckpointDir(dir)) {
    const checkpoints = listCheckpoints(asRun);
    const latest = checkpoints.at(-1);
    if (!latest) {
      throw new FabricUserError(`Run '${given}' has no checkpoint in ${asRun.checkpoints}, so there is nothing to resume from. Save one in the script (fabric.save or the ModelCheckpoint callback), or start the run again with \`fabric run model\`.`);
    }
    return { checkpoint: latest, run: asRun };
  }
  const checkpoint = readCheckpointInfo(dir);
  const candidates = [checkpoint.fabric.runDir, path.basename(path.dirname(dir)) === 'checkpoints' ? path.dirname(path.dirname(dir)) : undefined];
  for (const candidate of candidates) {
    if (candidate && fs.existsSync(runPaths(candidate).runJson)) return { checkpoint, run: runPaths(path.resolve(candidate)) };
  }
  throw new FabricUserError(
    `Checkpoint '${given}' belongs to no run directory${checkpoint.fabric.runDir ? ` (it was written by the run in ${checkpoint.fabric.runDir}, which has no run.json any more)` : ''}, so \`fabric resume\` cannot tell which script and settings to use. ` +
      `Start the script with \`fabric run model\` and load the checkpoint there with \`await fabric.load(dir, state)\`.`,
  );
}

/** sha256 of a file as hex: recorded for the script in run.json and in each checkpoint, compared on resume. */
export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}
