import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { recoverInterruptedWrite } from './io.js';
import { decodeSafetensors, entryToFloat32, type SafetensorsEntry } from './safetensors.js';

/**
 * The files of a checkpoint directory and how to read them back, without tfjs (so `fabric consolidate` stays
 * light). Two layouts share one state.json:
 * - single: model.safetensors + optimizer.safetensors (optimizer slots per parameter, "<param>/<slot>");
 * - sharded: model-0000K-of-0000N.safetensors with the Hugging Face index model.safetensors.index.json (whole
 *   tensors, each written by the rank whose range holds its first element), and optimizer-0000K-of-0000N
 *   files holding rank K's range of each flat optimizer slot.
 */
export const CHECKPOINT_FORMAT_VERSION = 1;
export const STATE_FILE = 'state.json';
export const MODEL_FILE = 'model.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const MODEL_INDEX_FILE = 'model.safetensors.index.json';

export function shardFileName(kind: 'model' | 'optimizer', index: number, count: number): string {
  const pad = (n: number) => String(n).padStart(5, '0');
  return `${kind}-${pad(index + 1)}-of-${pad(count)}.safetensors`;
}

/** How a sharded run stored one optimizer: the flat layout it was cut from and which file holds which range. */
export interface ShardedOptimizerManifest {
  layout: { names: string[]; shapes: number[][] };
  slots: string[];
  scalars: Record<string, number>;
  iterations: number;
  files: { file: string; start: number; end: number }[];
}

export type EntryManifest =
  | { kind: 'model'; params: string[] }
  | { kind: 'tensor' }
  | { kind: 'optimizer'; className: string; config: unknown; slots: string[]; scalars: string[]; sharded?: ShardedOptimizerManifest }
  | { kind: 'json' };

export interface StateFile {
  formatVersion: number;
  /** 'sharded' when written by zero1/zero2/fsdp ranks in parallel; absent for one model.safetensors. */
  layout?: 'single' | 'sharded';
  /** Ranks that wrote it. */
  worldSize?: number;
  entries: Record<string, EntryManifest>;
  json: Record<string, unknown>;
  fabric: Record<string, unknown>;
  checksums: Record<string, string>;
  /** SHA-256 of this JSON without this field: a flipped bit in state.json itself is caught too. */
  stateChecksum?: string;
}

const STATE_KEYS = new Set(['formatVersion', 'layout', 'worldSize', 'entries', 'json', 'fabric', 'checksums', 'stateChecksum']);

/** The text of state.json: the state plus the checksum of its own JSON. */
export function stateFileText(state: StateFile): string {
  const { stateChecksum: _, ...body } = state;
  return JSON.stringify({ ...body, stateChecksum: createHash('sha256').update(JSON.stringify(body)).digest('hex') }, null, 2);
}

export async function readStateFile(dir: string): Promise<StateFile> {
  const statePath = path.join(dir, STATE_FILE);
  // A save killed between its two renames leaves the previous checkpoint aside; put it back before looking.
  // Several ranks may try at once: whichever rename wins, the checkpoint is back.
  await recoverInterruptedWrite(dir).catch(() => undefined);
  if (!fs.existsSync(dir)) {
    throw new FabricUserError(`Checkpoint '${dir}' does not exist. Pass the path of a checkpoint directory written by fabric.save (it holds ${STATE_FILE}).`);
  }
  if (!fs.existsSync(statePath)) {
    throw new FabricUserError(`'${dir}' is not a tfjs-fabric checkpoint: it has no ${STATE_FILE}. For a bare .safetensors file use fabric.loadRaw(path, model).`);
  }
  let state: StateFile;
  try {
    state = JSON.parse(await fs.promises.readFile(statePath, 'utf8')) as StateFile;
  } catch (error) {
    throw new FabricUserError(`Checkpoint file '${statePath}' is not valid JSON (${(error as Error).message}); the checkpoint is corrupt. Load an earlier checkpoint.`);
  }
  if (typeof state !== 'object' || state === null || !Number.isInteger(state.formatVersion) || typeof state.entries !== 'object' || state.entries === null) {
    throw new FabricUserError(`Checkpoint file '${statePath}' is not a tfjs-fabric state file (no format version or entries); the checkpoint is corrupt. Load an earlier checkpoint.`);
  }
  if (state.formatVersion > CHECKPOINT_FORMAT_VERSION) {
    throw new FabricUserError(
      `Checkpoint '${dir}' has format version ${state.formatVersion}, written by a newer tfjs-fabric; this one reads up to version ${CHECKPOINT_FORMAT_VERSION}. Upgrade tfjs-fabric to load it.`,
    );
  }
  // A key this version does not write is damage (a flipped bit in a key name), not something to ignore.
  const unknown = Object.keys(state).filter((key) => !STATE_KEYS.has(key));
  if (unknown.length > 0) {
    throw new FabricUserError(`Checkpoint file '${statePath}' has fields this tfjs-fabric never writes (${unknown.slice(0, 3).map((k) => JSON.stringify(k.slice(0, 40))).join(', ')}); it was modified or corrupted. Load an earlier checkpoint.`);
  }
  // Checked after the version: a newer writer may checksum differently.
  if (state.stateChecksum !== undefined) {
    const { stateChecksum, ...body } = state;
    const actual = createHash('sha256').update(JSON.stringify(body)).digest('hex');
    if (actual !== stateChecksum) {
      throw new FabricUserError(`Checkpoint file '${statePath}' was modified or corrupted after it was written (its contents no longer match the SHA-256 recorded inside it). Load an earlier checkpoint.`);
    }
  }
  state.checksums ??= {};
  state.json ??= {};
  state.fabric ??= {};
  return state;
}

/** Reads one safetensors file of the checkpoint after checking it against the SHA-256 that state.json recorded. */
export async function readVerifiedSafetensors(dir: string, file: string, state: StateFile) {
  const full = path.join(dir, file);
  const expected = state.checksums[file];
  if (expected === undefined) {
    throw new FabricUserError(`The checkpoint '${dir}' refers to '${file}', but its ${STATE_FILE} has no checksum for that file, so it is not part of the checkpoint. The checkpoint is corrupt; use another one.`);
  }
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(full);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FabricUserError(`The checkpoint file "${full}" is missing, although the checkpoint lists it. The checkpoint is incomplete; restore the file or use another checkpoint.`);
    }
    throw error;
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== expected.toLowerCase()) {
    throw new FabricUserError(
      `The checkpoint file "${full}" was modified, truncated or corrupted after it was written (${bytes.byteLength} bytes, SHA-256 ${actual}; the checkpoint recorded ${expected}). Restore the file or load another checkpoint.`,
    );
  }
  return decodeSafetensors(bytes, full);
}

/** Every model tensor of the checkpoint (all entries, "<key>.<param>"), from one file or from all shards of the index. */
export async function readModelEntries(dir: string, state: StateFile): Promise<Map<string, SafetensorsEntry>> {
  if (state.layout !== 'sharded') {
    // The manifest says whether there must be a model file; a checksum list that lost it must not hide the file.
    const hasTensors = Object.values(state.entries).some((e) => (e.kind === 'model' && e.params.length > 0) || e.kind === 'tensor');
    return hasTensors ? (await readVerifiedSafetensors(dir, MODEL_FILE, state)).tensors : new Map();
  }
  const index = await readModelIndex(dir, state);
  const files = [...new Set(Object.values(index.weight_map))].sort();
  const out = new Map<string, SafetensorsEntry>();
  for (const file of files) {
    const { tensors } = await readVerifiedSafetensors(dir, file, state);
    for (const [name, entry] of tensors) out.set(name, entry);
  }
  for (const [name, file] of Object.entries(index.weight_map)) {
    if (!out.has(name)) throw new FabricUserError(`The index '${path.join(dir, MODEL_INDEX_FILE)}' places tensor '${name}' in '${file}', but that file has no such tensor. The checkpoint is corrupt; use another one.`);
  }
  return out;
}

export interface ModelIndex {
  metadata: { total_size: number };
  weight_map: Record<string, string>;
}

async function readModelIndex(dir: string, state: StateFile): Promise<ModelIndex> {
  const file = path.join(dir, MODEL_INDEX_FILE);
  let index: ModelIndex;
  try {
    index = JSON.parse(await fs.promises.readFile(file, 'utf8')) as ModelIndex;
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    throw new FabricUserError(`The sharded checkpoint '${dir}' ${missing ? `has no ${MODEL_INDEX_FILE}` : `has an unreadable ${MODEL_INDEX_FILE} (${(error as Error).message})`}; it cannot say which file holds which tensor. Use another checkpoint.`);
  }
  if (typeof index?.weight_map !== 'object' || index.weight_map === null) {
    throw new FabricUserError(`'${file}' has no "weight_map"; it is not a Hugging Face sharded-checkpoint index. Use another checkpoint.`);
  }
  for (const [name, shard] of Object.entries(index.weight_map)) {
    if (typeof shard !== 'string' || state.checksums[shard] === undefined || !fs.existsSync(path.join(dir, shard))) {
      throw new FabricUserError(`The index '${file}' places tensor '${name}' in '${String(shard)}', which is not a file of this checkpoint. The checkpoint is incomplete or its index is corrupt; use another checkpoint.`);
    }
  }
  return index;
}

/** Elements [start, end) of one flat optimizer slot, read from the shard files that overlap that range only. */
export async function readFlatSlotRange(dir: string, state: StateFile, key: string, manifest: ShardedOptimizerManifest, slot: string, start: number, end: number): Promise<Float32Array> {
  const out = new Float32Array(end - start);
  for (const piece of manifest.files) {
    const from = Math.max(start, piece.start);
    const to = Math.min(end, piece.end);
    if (from >= to) continue;
    const file = await readVerifiedSafetensors(dir, piece.file, state);
    const name = `${key}.${slot}`;
    const entry = file.tensors.get(name);
    if (!entry) throw new FabricUserError(`Optimizer shard '${path.join(dir, piece.file)}' has no tensor '${name}'; the checkpoint is corrupt. Use another checkpoint.`);
    const values = entryToFloat32(entry, name, piece.file);
    if (values.length !== piece.end - piece.start) {
      throw new FabricUserError(`Optimizer shard '${path.join(dir, piece.file)}' holds ${values.length} values of '${name}' but ${STATE_FILE} says ${piece.end - piece.start}; the checkpoint is corrupt.`);
    }
    out.set(values.subarray(from - piece.start, to - piece.start), from - start);
  }
  return out;
}
