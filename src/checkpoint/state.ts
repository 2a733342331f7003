import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';
import { toHalfBits, type HalfFormat } from '../precision/rounding.js';
import { FabricOptimizer } from '../wrappers/fabric-optimizer.js';
import { ParamSet } from '../wrappers/param-set.js';
import { chunkStart } from '../collectives/chunks.js';
import { FlatLayout } from '../optim/flat-layout.js';
import {
  CHECKPOINT_FORMAT_VERSION,
  MODEL_FILE,
  MODEL_INDEX_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
  readFlatSlotRange,
  readModelEntries,
  readStateFile,
  readVerifiedSafetensors,
  shardFileName,
  stateFileText,
  type EntryManifest,
  type ModelIndex,
  type ShardedOptimizerManifest,
  type StateFile,
} from './checkpoint-files.js';
import { writeDirectoryAtomically } from './io.js';
import { entryToFloat32, float32Entry, int32Entry, writeSafetensorsFile, type SafetensorsEntry } from './safetensors.js';

export { CHECKPOINT_FORMAT_VERSION, type StateFile };

/** Checkpoint entries: models and optimizers become tensors, tensors stay tensors, everything else is JSON. */
export type CheckpointState = Record<string, unknown>;
export type SaveFilter = Record<string, (name: string, tensor: tf.Tensor) => boolean>;


/** Resolves models and optimizers the user passes in `state` to what Fabric set up for them. */
export interface CheckpointContext {
  paramSetFor(model: unknown): ParamSet | undefined;
  optimizerFor(optimizer: unknown): FabricOptimizer | undefined;
  /** Under bf16-true / 16-true: model parameters are stored as BF16 / F16 (they hold 16-bit values already). */
  modelFormat?: HalfFormat;
  /** Set under sharded strategies with several ranks: every rank writes its share of the files. */
  shards?: ShardComm;
}

/** What a sharded save needs from the ranks: who this is, and a broadcast to agree on paths and collect checksums. */
export interface ShardComm {
  rank: number;
  worldSize: number;
  broadcast<T>(value: T, src: number): Promise<T>;
}

export async function saveCheckpoint(dir: string, state: CheckpointState, context: CheckpointContext, fabricMeta: Record<string, unknown>, filter: SaveFilter = {}): Promise<void> {
  const plan = await planSave(state, context, filter);
  if (context.shards && context.shards.worldSize > 1) return saveSharded(dir, plan, context.shards, fabricMeta);
  const { optimizerTensors } = plan;
  const modelTensors = materialize(plan.modelTensors);
  await writeDirectoryAtomically(dir, async (tmp) => {
    const checksums: Record<string, string> = {};
    if (modelTensors.size > 0) checksums[MODEL_FILE] = await writeSafetensorsFile(path.join(tmp, MODEL_FILE), modelTensors, { format: 'pt', producer: 'tfjs-fabric' });
    if (optimizerTensors.size > 0) checksums[OPTIMIZER_FILE] = await writeSafetensorsFile(path.join(tmp, OPTIMIZER_FILE), optimizerTensors, { producer: 'tfjs-fabric' });
    const stateFile: StateFile = { formatVersion: CHECKPOINT_FORMAT_VERSION, layout: 'single', entries: plan.manifest, json: plan.json, fabric: fabricMeta, checksums };
    await writeStateFile(tmp, stateFile);
  });
}

interface SavePlan {
  manifest: Record<string, EntryManifest>;
  json: Record<string, unknown>;
  /** Model and plain tensors in save order, read from the backend only when written (a sharded save writes each on one rank). */
  modelTensors: Map<string, LazyEntry>;
  optimizerTensors: Map<string, SafetensorsEntry>;
}

/** Sorts the user's state into model tensors, optimizer tensors and JSON, and builds the manifest. */
async function planSave(state: CheckpointState, context: CheckpointContext, filter: SaveFilter): Promise<SavePlan> {
  const modelTensors = new Map<string, LazyEntry>();
  const optimizerTensors = new Map<string, SafetensorsEntry>();
  const manifest: Record<string, EntryManifest> = {};
  const json: Record<string, unknown> = {};
  const sharded = context.shards !== undefined && context.shards.worldSize > 1;
  for (const [key, value] of Object.entries(state)) {
    const keep = filter[key] ?? (() => true);
    const params = paramSetOf(value, context);
    const optimizer = optimizerOf(value, context);
    if (params) {
      const names: string[] = [];
      params.names.forEach((name, i) => {
        if (!keep(name, params.variables[i])) return;
        modelTensors.set(`${key}.${name}`, lazyEntry(params.variables[i], context.modelFormat));
        names.push(name);
      });
      manifest[key] = { kind: 'model', params: names };
    } else if (optimizer) {
      if (optimizer.flat && sharded) manifest[key] = collectFlatOptimizer(key, optimizer, context.shards!, optimizerTensors);
      else if (optimizer.flat) manifest[key] = collectFusedOptimizer(key, optimizer, optimizerTensors);
      else manifest[key] = await collectOptimizer(key, optimizer, optimizerTensors);
    } else if (value instanceof tf.Tensor) {
      modelTensors.set(key, lazyEntry(value));
      manifest[key] = { kind: 'tensor' };
    } else {
      json[key] = toJson(key, value);
      manifest[key] = { kind: 'json' };
    }
  }
  return { manifest, json, modelTensors, optimizerTensors };
}

async function writeStateFile(dir: string, stateFile: StateFile): Promise<void> {
  await fs.promises.writeFile(path.join(dir, STATE_FILE), stateFileText(stateFile));
}

/**
 * Every rank writes its files into one temp directory that rank 0 made; rank 0 collects their checksums,
 * writes state.json and renames the directory into place, so the checkpoint appears whole or not at all.
 * A rank that fails to write reports it instead of leaving the others waiting, and every rank throws.
 */
async function saveSharded(dir: string, plan: SavePlan, comm: ShardComm, fabricMeta: Record<string, unknown>): Promise<void> {
  const { rank, worldSize } = comm;
  const writeMine = async (tmp: string): Promise<{ checksums: Record<string, string>; error?: string }> => {
    try {
      const checksums: Record<string, string> = {};
      const modelFile = shardFileName('model', rank, worldSize);
      checksums[modelFile] = await writeSafetensorsFile(path.join(tmp, modelFile), materialize(ownedModelTensors(plan.modelTensors, rank, worldSize)), { format: 'pt', producer: 'tfjs-fabric' });
      if (plan.optimizerTensors.size > 0) {
        const optimizerFile = shardFileName('optimizer', rank, worldSize);
        checksums[optimizerFile] = await writeSafetensorsFile(path.join(tmp, optimizerFile), plan.optimizerTensors, { producer: 'tfjs-fabric' });
      }
      return { checksums };
    } catch (error) {
      return { checksums: {}, error: (error as Error).message };
    }
  };
  const gather = async (mine: { checksums: Record<string, string>; error?: string }) => {
    const all: { checksums: Record<string, string>; error?: string }[] = [];
    for (let r = 0; r < worldSize; r++) all.push((await comm.broadcast(r === rank ? mine : null, r)) ?? { checksums: {}, error: 'sent nothing' });
    return all;
  };
  const failure = (results: { error?: string }[]) => {
    const failed = results.findIndex((r) => r.error !== undefined);
    return failed < 0 ? undefined : `rank ${failed} could not write its shard of checkpoint '${dir}': ${results[failed]!.error}`;
  };
  if (rank !== 0) {
    const start = await comm.broadcast<{ tmp?: string; error?: string } | null>(null, 0);
    if (!start?.tmp) throw new FabricUserError(`Checkpoint '${dir}' was not saved: ${start?.error ?? 'rank 0 did not start it'}.`);
    await gather(await writeMine(start.tmp));
    const outcome = await comm.broadcast<{ error?: string } | null>(null, 0);
    if (outcome?.error) throw new FabricUserError(`Checkpoint '${dir}' was not saved: ${outcome.error}. The previous checkpoint there, if any, is untouched.`);
    return;
  }
  let announced = false;
  try {
    await writeDirectoryAtomically(dir, async (tmp) => {
      await comm.broadcast({ tmp }, 0);
      announced = true;
      const results = await gather(await writeMine(tmp));
      const problem = failure(results);
      if (problem) throw new FabricUserError(problem);
      const checksums = Object.assign({}, ...results.map((r) => r.checksums)) as Record<string, string>;
      const index: ModelIndex = { metadata: { total_size: [...plan.modelTensors.values()].reduce((n, e) => n + e.byteLength, 0) }, weight_map: {} };
      const owner = owners(plan.modelTensors, worldSize);
      [...plan.modelTensors.keys()].forEach((name, i) => (index.weight_map[name] = shardFileName('model', owner[i]!, worldSize)));
      const indexText = JSON.stringify(index, null, 2);
      await fs.promises.writeFile(path.join(tmp, MODEL_INDEX_FILE), indexText);
      checksums[MODEL_INDEX_FILE] = createHash('sha256').update(indexText).digest('hex');
      await writeStateFile(tmp, { formatVersion: CHECKPOINT_FORMAT_VERSION, layout: 'sharded', worldSize, entries: plan.manifest, json: plan.json, fabric: fabricMeta, checksums });
    });
  } catch (error) {
    const message = (error as Error).message;
    // Before the temp dir was announced the others wait for its name, after it for the outcome; either way they get the error.
    await comm.broadcast({ error: announced ? message : `rank 0 could not start it: ${message}` }, 0);
    throw error;
  }
  await comm.broadcast({}, 0);
}

interface LazyEntry {
  byteLength: number;
  entry(): SafetensorsEntry;
}

function lazyEntry(tensor: tf.Tensor, halfFormat?: HalfFormat): LazyEntry {
  const bytesPer = halfFormat && tensor.dtype === 'float32' ? 2 : 4;
  return { byteLength: tensor.size * bytesPer, entry: () => tensorEntry(tensor, halfFormat) };
}

function materialize(lazy: Map<string, LazyEntry>): Map<string, SafetensorsEntry> {
  return new Map([...lazy].map(([name, item]) => [name, item.entry()]));
}

/** Model tensors are written whole, each by the rank whose share of all their bytes holds the tensor's first element; one rank per tensor, in order. */
function owners(tensors: Map<string, LazyEntry>, worldSize: number): number[] {
  const total = [...tensors.values()].reduce((n, e) => n + e.byteLength, 0);
  let start = 0;
  let owner = 0;
  return [...tensors.values()].map((entry) => {
    while (owner < worldSize - 1 && chunkStart(total, worldSize, owner + 1) <= start) owner++;
    start += entry.byteLength;
    return owner;
  });
}

function ownedModelTensors(tensors: Map<string, LazyEntry>, rank: number, worldSize: number): Map<string, LazyEntry> {
  const owner = owners(tensors, worldSize);
  return new Map([...tensors].filter((_, i) => owner[i] === rank));
}

/** A fused (unsharded) flat optimizer's state, stored per parameter under the names a tfjs optimizer's state has. */
function collectFusedOptimizer(key: string, optimizer: FabricOptimizer, out: Map<string, SafetensorsEntry>): EntryManifest {
  const flat = optimizer.flat!;
  const layout = FlatLayout.of(optimizer.params);
  const state = (optimizer.flatState ??= flat.createState(layout.total));
  out.set(`${key}.__iterations__`, int32Entry(Int32Array.of(state.iterations), []));
  const slots = ['__iterations__'];
  // Slot-major, as tfjs's getWeights lists them (all m, then all v), so a tfjs optimizer can load them back.
  for (const slot of flat.slotNames) {
    layout.unflatten(state.slots[slot]!, (i, values) => {
      const name = `${layout.names[i]}/${slot}`;
      out.set(`${key}.${name}`, float32Entry(values, layout.shapes[i]!));
      slots.push(name);
    });
  }
  const scalars = Object.keys(state.scalars).sort();
  for (const name of scalars) out.set(`${key}.__scalar__/${name}`, float32Entry(Float32Array.of(state.scalars[name]!), []));
  return { kind: 'optimizer', className: flat.className, config: optimizer.optimizer.getConfig(), slots, scalars };
}

/** A sharded optimizer's slots for this rank's range only; the manifest says which rank holds which range. */
function collectFlatOptimizer(key: string, optimizer: FabricOptimizer, comm: ShardComm, out: Map<string, SafetensorsEntry>): EntryManifest {
  const flat = optimizer.flat!;
  const layout = FlatLayout.of(optimizer.params);
  const [start, end] = layout.range(comm.worldSize, comm.rank);
  optimizer.flatState ??= flat.createState(end - start);
  const state = optimizer.flatState;
  for (const slot of flat.slotNames) out.set(`${key}.${slot}`, float32Entry(state.slots[slot]!, [end - start]));
  const files = Array.from({ length: comm.worldSize }, (_, r) => {
    const [s, e] = layout.range(comm.worldSize, r);
    return { file: shardFileName('optimizer', r, comm.worldSize), start: s, end: e };
  });
  const sharded: ShardedOptimizerManifest = { layout: { names: layout.names, shapes: layout.shapes }, slots: [...flat.slotNames], scalars: { ...state.scalars }, iterations: state.iterations, files };
  return { kind: 'optimizer', className: flat.className, config: flat.config, slots: [...flat.slotNames], scalars: Object.keys(state.scalars).sort(), sharded };
}

export interface LoadedCheckpoint {
  state: StateFile;
  /** Model and plain tensors, whichever layout wrote them. */
  tensors: Map<string, SafetensorsEntry>;
  /** Per-parameter optimizer slots of a single-file checkpoint (sharded optimizers are read range by range). */
  optimizerTensors: Map<string, SafetensorsEntry>;
  dir: string;
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const state = await readStateFile(dir);
  const tensors = await readModelEntries(dir, state);
  const hasOptimizer = state.layout !== 'sharded' && Object.values(state.entries).some((e) => e.kind === 'optimizer');
  const optimizerTensors = hasOptimizer ? (await readVerifiedSafetensors(dir, OPTIMIZER_FILE, state)).tensors : new Map<string, SafetensorsEntry>();
  return { state, tensors, optimizerTensors, dir };
}

/** Restores `state` in place from a checkpoint; returns the checkpoint entries that `state` did not ask for. */
export async function restoreCheckpoint(checkpoint: LoadedCheckpoint, state: CheckpointState, context: CheckpointContext, strict: boolean): Promise<Record<string, unknown>> {
  const { entries } = checkpoint.state;
  const missing = Object.keys(state).filter((key) => !(key in entries));
  if (strict && missing.length > 0) {
    throw new FabricUserError(`Checkpoint '${checkpoint.dir}' has no entries named ${missing.map((k) => `'${k}'`).join(', ')} (it has: ${Object.keys(entries).join(', ')}). Rename the keys or load with { strict: false }.`);
  }
  for (const [key, value] of Object.entries(state)) {
    const manifest = entries[key];
    if (!manifest) continue;
    const params = paramSetOf(value, context);
    const optimizer = optimizerOf(value, context);
    if (params) {
      if (manifest.kind !== 'model') throw kindMismatch(checkpoint.dir, key, manifest.kind, 'a model');
      restoreParams(params, key, checkpoint, strict);
    } else if (optimizer) {
      if (manifest.kind !== 'optimizer') throw kindMismatch(checkpoint.dir, key, manifest.kind, 'an optimizer');
      if (optimizer.flat) await restoreFlatOptimizer(optimizer, key, manifest, checkpoint);
      else await restoreOptimizer(optimizer, key, manifest, checkpoint);
    } else if (manifest.kind === 'json') {
      state[key] = checkpoint.state.json[key];
    } else if (manifest.kind === 'tensor') {
      state[key] = entryToTensor(checkpoint.tensors.get(key)!, key, checkpoint.dir);
    } else {
      throw kindMismatch(checkpoint.dir, key, manifest.kind, `a ${typeof value}`);
    }
  }
  return remainder(checkpoint, state);
}

function restoreParams(params: ParamSet, key: string, checkpoint: LoadedCheckpoint, strict: boolean): void {
  const file = path.join(checkpoint.dir, checkpoint.state.layout === 'sharded' ? MODEL_INDEX_FILE : MODEL_FILE);
  const prefix = `${key}.`;
  const available = new Map([...checkpoint.tensors].filter(([name]) => name.startsWith(prefix)).map(([name, entry]) => [name.slice(prefix.length), entry]));
  assignParams(params, available, file, strict);
}

/** Copies named float tensors into a model's variables, checking names and shapes first so nothing is half-loaded. */
export function assignParams(params: ParamSet, available: Map<string, SafetensorsEntry>, file: string, strict: boolean): void {
  if (strict) {
    const missing = params.names.filter((n) => !available.has(n));
    const unexpected = [...available.keys()].filter((n) => !params.names.includes(n));
    if (missing.length || unexpected.length) {
      const parts = [missing.length ? `missing keys: ${missing.join(', ')}` : '', unexpected.length ? `unexpected keys: ${unexpected.join(', ')}` : ''].filter(Boolean);
      throw new FabricUserError(`The weights in '${file}' do not match the model (${parts.join('; ')}). Check that the model is built the same way, or load with { strict: false }.`);
    }
  }
  for (const [name, entry] of available) {
    const variable = params.variable(name);
    if (!variable) continue;
    if (!sameShape(variable.shape, entry.shape)) {
      throw new FabricUserError(`Tensor '${name}' in '${file}' has shape [${entry.shape}] but the model's parameter has shape [${variable.shape}]. The checkpoint was written by a differently sized model.`);
    }
  }
  for (const [name, entry] of available) {
    const variable = params.variable(name);
    if (!variable) continue;
    const values = tf.tensor(entryToFloat32(entry, name, file), entry.shape, variable.dtype);
    variable.assign(values);
    values.dispose();
  }
}

async function collectOptimizer(key: string, optimizer: FabricOptimizer, out: Map<string, SafetensorsEntry>): Promise<EntryManifest> {
  const weights = await optimizer.optimizer.getWeights();
  const slots: string[] = [];
  for (const [i, { name, tensor }] of weights.entries()) {
    // Entry 0 is the iteration counter; the rest are "<variable name>/<slot>" in the optimizer's own order.
    const slotName = i === 0 ? '__iterations__' : renameSlot(name, optimizer.params);
    out.set(`${key}.${slotName}`, tensorEntry(tensor));
    slots.push(slotName);
  }
  tf.dispose(weights[0]?.tensor);
  // Internal scalars (Adam's beta powers) are saved bit for bit: recomputing them would change the next steps.
  const scalars = internalScalars(optimizer.optimizer);
  for (const [name, variable] of scalars) out.set(`${key}.__scalar__/${name}`, tensorEntry(variable));
  const className = optimizer.optimizer.getClassName();
  return { kind: 'optimizer', className, config: optimizer.optimizer.getConfig(), slots, scalars: scalars.map(([n]) => n) };
}

async function restoreOptimizer(optimizer: FabricOptimizer, key: string, manifest: Extract<EntryManifest, { kind: 'optimizer' }>, checkpoint: LoadedCheckpoint): Promise<void> {
  const file = path.join(checkpoint.dir, OPTIMIZER_FILE);
  const className = optimizer.optimizer.getClassName();
  if (manifest.className !== className) {
    throw new FabricUserError(`Checkpoint entry '${key}' holds the state of a ${manifest.className} optimizer, but the optimizer passed to fabric.load is a ${className}. Create the same optimizer type as when saving.`);
  }
  if (manifest.sharded) {
    await restoreOptimizerFromShards(optimizer, key, manifest, manifest.sharded, checkpoint);
    return;
  }
  const get = (name: string) => {
    const entry = checkpoint.optimizerTensors.get(`${key}.${name}`);
    if (!entry) throw new FabricUserError(`Optimizer tensor '${key}.${name}' is missing from '${file}'; the checkpoint is incomplete.`);
    return entryToTensor(entry, `${key}.${name}`, file);
  };
  const weights: { name: string; tensor: tf.Tensor }[] = manifest.slots.map((slot) => {
    if (slot === '__iterations__') return { name: 'iter', tensor: get(slot) };
    const [paramName, slotSuffix] = splitSlot(slot);
    const variable = optimizer.params.variable(paramName);
    if (!variable) throw new FabricUserError(`Optimizer state in '${file}' refers to parameter '${paramName}', which the model does not have. Load into the same model architecture as when saving.`);
    const tensor = get(slot);
    if (!sameShape(tensor.shape, variable.shape)) {
      throw new FabricUserError(`Optimizer tensor '${key}.${slot}' in '${file}' has shape [${tensor.shape}] but parameter '${paramName}' has shape [${variable.shape}].`);
    }
    return { name: `${variable.name}/${slotSuffix}`, tensor };
  });
  const previous = await optimizer.optimizer.getWeights();
  await optimizer.optimizer.setWeights(weights);
  // setWeights copies into new variables; free ours and the slots it replaced.
  tf.dispose(weights.map((w) => w.tensor));
  tf.dispose(previous.map((w) => w.tensor));
  const scalars = new Map(internalScalars(optimizer.optimizer));
  for (const name of manifest.scalars) {
    const tensor = get(`__scalar__/${name}`);
    scalars.get(name)?.assign(tensor);
    tensor.dispose();
  }
}

/** A sharded checkpoint's flat slots, cut back into per-variable tensors for a tfjs optimizer (all m, then all v: tfjs's order). */
async function restoreOptimizerFromShards(optimizer: FabricOptimizer, key: string, manifest: Extract<EntryManifest, { kind: 'optimizer' }>, sharded: ShardedOptimizerManifest, checkpoint: LoadedCheckpoint): Promise<void> {
  const layout = checkLayout(FlatLayout.of(optimizer.params), sharded, checkpoint.dir);
  const weights: { name: string; tensor: tf.Tensor }[] = [{ name: 'iter', tensor: tf.scalar(sharded.iterations, 'int32') }];
  for (const slot of sharded.slots) {
    const flat = await readFlatSlotRange(checkpoint.dir, checkpoint.state, key, sharded, slot, 0, layout.total);
    const variables = FlatLayout.variablesOf(optimizer.params);
    layout.unflatten(flat, (i, values) => weights.push({ name: `${variables[i]!.name}/${slot}`, tensor: tf.tensor(values, layout.shapes[i]) }));
  }
  const previous = await optimizer.optimizer.getWeights();
  await optimizer.optimizer.setWeights(weights);
  tf.dispose(weights.map((w) => w.tensor));
  tf.dispose(previous.map((w) => w.tensor));
  const scalars = new Map(internalScalars(optimizer.optimizer));
  for (const name of manifest.scalars) scalars.get(name)?.assign(tf.scalar(sharded.scalars[name]!));
}

/** Fills a flat optimizer's state for this rank's range, from a sharded checkpoint at any world size or from per-parameter slots. */
async function restoreFlatOptimizer(optimizer: FabricOptimizer, key: string, manifest: Extract<EntryManifest, { kind: 'optimizer' }>, checkpoint: LoadedCheckpoint): Promise<void> {
  const flat = optimizer.flat!;
  if (manifest.className !== flat.className) {
    throw new FabricUserError(`Checkpoint entry '${key}' holds the state of a ${manifest.className} optimizer, but the optimizer passed to fabric.load is a ${flat.className}. Create the same optimizer type as when saving.`);
  }
  const layout = FlatLayout.of(optimizer.params);
  const [start, end] = optimizer.sharded ? optimizer.sharded.shardRange(optimizer.params) : [0, layout.total];
  const state = flat.createState(end - start);
  if (manifest.sharded) {
    checkLayout(layout, manifest.sharded, checkpoint.dir);
    for (const slot of flat.slotNames) state.slots[slot] = await readFlatSlotRange(checkpoint.dir, checkpoint.state, key, manifest.sharded, slot, start, end);
    Object.assign(state.scalars, manifest.sharded.scalars);
    state.iterations = manifest.sharded.iterations;
  } else {
    const file = path.join(checkpoint.dir, OPTIMIZER_FILE);
    const get = (name: string) => {
      const entry = checkpoint.optimizerTensors.get(`${key}.${name}`);
      if (!entry) throw new FabricUserError(`Optimizer tensor '${key}.${name}' is missing from '${file}'; the checkpoint is incomplete or was written for another model.`);
      return entry;
    };
    for (const slot of flat.slotNames) {
      state.slots[slot] = layout.copyRange((i) => {
        const entry = get(`${layout.names[i]}/${slot}`);
        if (!sameShape(entry.shape, layout.shapes[i]!)) throw new FabricUserError(`Optimizer tensor '${key}.${layout.names[i]}/${slot}' in '${file}' has shape [${entry.shape}] but the parameter has shape [${layout.shapes[i]}].`);
        return entryToFloat32(entry, `${key}.${layout.names[i]}/${slot}`, file);
      }, start, end);
    }
    for (const name of manifest.scalars) state.scalars[name] = entryToFloat32(get(`__scalar__/${name}`), name, file)[0]!;
    const iterations = get('__iterations__');
    const view = new DataView(iterations.data.buffer, iterations.data.byteOffset, iterations.data.byteLength);
    state.iterations = iterations.dtype === 'I32' ? view.getInt32(0, true) : entryToFloat32(iterations, '__iterations__', file)[0]!;
  }
  optimizer.flatState = state;
}

/** The checkpoint's flat layout must be the model's: same parameters, same shapes, same order. */
function checkLayout(layout: FlatLayout, sharded: ShardedOptimizerManifest, dir: string): FlatLayout {
  const saved = new Map(sharded.layout.names.map((n, i) => [n, sharded.layout.shapes[i]!]));
  const problems: string[] = [];
  const missing = layout.names.filter((n) => !saved.has(n));
  const unexpected = sharded.layout.names.filter((n) => !layout.names.includes(n));
  if (missing.length) problems.push(`missing: ${missing.join(', ')}`);
  if (unexpected.length) problems.push(`unexpected: ${unexpected.join(', ')}`);
  layout.names.forEach((n, i) => {
    const shape = saved.get(n);
    if (shape && !sameShape(shape, layout.shapes[i]!)) problems.push(`${n} is [${shape}] in the checkpoint but [${layout.shapes[i]}] in the model`);
  });
  if (problems.length === 0 && layout.names.some((n, i) => sharded.layout.names[i] !== n)) problems.push('the parameters are in a different order');
  if (problems.length) {
    throw new FabricUserError(`The optimizer state in checkpoint '${dir}' was saved for a different model (${problems.join('; ')}). Load it into a model built the same way as when saving.`);
  }
  return layout;
}

function internalScalars(optimizer: tf.Optimizer): [string, tf.Variable][] {
  return Object.entries(optimizer)
    .filter(([, value]) => value instanceof tf.Variable && value.rank === 0)
    .sort(([a], [b]) => a.localeCompare(b)) as [string, tf.Variable][];
}

function renameSlot(engineName: string, params: ParamSet): string {
  const cut = engineName.lastIndexOf('/');
  const stable = params.nameOf(engineName.slice(0, cut));
  return stable === undefined ? engineName : `${stable}/${engineName.slice(cut + 1)}`;
}

function splitSlot(slot: string): [string, string] {
  const cut = slot.lastIndexOf('/');
  return [slot.slice(0, cut), slot.slice(cut + 1)];
}

function paramSetOf(value: unknown, context: CheckpointContext): ParamSet | undefined {
  if (value instanceof ParamSet) return value;
  if (value instanceof tf.LayersModel) return context.paramSetFor(value) ?? new ParamSet(value);
  return context.paramSetFor(value);
}

function optimizerOf(value: unknown, context: CheckpointContext): FabricOptimizer | undefined {
  if (value instanceof FabricOptimizer) return value;
  // tf.Optimizer's instanceof check reads a property, so null/undefined (common placeholders in `state`) must not reach it.
  if (value !== null && value !== undefined && value instanceof tf.Optimizer) {
    const wrapped = context.optimizerFor(value);
    if (!wrapped) throw new FabricUserError('fabric.save/load got a tfjs optimizer that was not passed through fabric.setup(model, optimizer); set it up first so Fabric knows which parameters it updates.');
    return wrapped;
  }
  return undefined;
}

function tensorEntry(tensor: tf.Tensor, halfFormat?: HalfFormat): SafetensorsEntry {
  if (halfFormat && tensor.dtype === 'float32') return halfEntry(tensor.dataSync() as Float32Array, tensor.shape, halfFormat);
  // dataSync gives a copy (wasm) or data tfjs never mutates in place (cpu), so the entry can share it.
  return tensor.dtype === 'int32' ? int32Entry(tensor.dataSync() as Int32Array, tensor.shape) : float32Entry(tensor.dataSync() as Float32Array, tensor.shape, { share: true });
}

/** A BF16 / F16 safetensors entry (little-endian 16-bit patterns, rounded to nearest even); reading widens it back to float32. */
export function halfEntry(values: Float32Array, shape: number[], format: HalfFormat): SafetensorsEntry {
  const bits = toHalfBits(values, format);
  const data = new Uint8Array(bits.length * 2);
  const view = new DataView(data.buffer);
  bits.forEach((b, i) => view.setUint16(i * 2, b, true));
  return { dtype: format === 'bf16' ? 'BF16' : 'F16', shape: [...shape], data };
}

export function entryToTensor(entry: SafetensorsEntry, name: string, file: string): tf.Tensor {
  if (entry.dtype === 'I32') {
    // entry.data is a view into the whole file's buffer, so read the values through a DataView, not `.buffer`.
    const view = new DataView(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength);
    const values = Int32Array.from({ length: entry.data.byteLength / 4 }, (_, i) => view.getInt32(i * 4, true));
    return tf.tensor(values, entry.shape, 'int32');
  }
  return tf.tensor(entryToFloat32(entry, name, file), entry.shape, 'float32');
}

function toJson(key: string, value: unknown): unknown {
  try {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error('not representable');
    return JSON.parse(text);
  } catch (error) {
    throw new FabricUserError(`fabric.save: state entry '${key}' is neither a model, an optimizer, a tensor nor a JSON value (${(error as Error).message}). Save plain numbers, strings, arrays and objects, or convert it first.`);
  }
}

function remainder(checkpoint: LoadedCheckpoint, state: CheckpointState): Record<string, unknown> {
  const rest: Record<string, unknown> = {};
  for (const [key, manifest] of Object.entries(checkpoint.state.entries)) {
    if (key in state) continue;
    if (manifest.kind === 'json') rest[key] = checkpoint.state.json[key];
    else if (manifest.kind === 'tensor') rest[key] = entryToTensor(checkpoint.tensors.get(key)!, key, checkpoint.dir);
    else if (manifest.kind === 'optimizer' && manifest.sharded) {
      rest[key] = { sharded: manifest.sharded };
    } else {
      const source = manifest.kind === 'model' ? checkpoint.tensors : checkpoint.optimizerTensors;
      const tensors: Record<string, tf.Tensor> = {};
      for (const [name, entry] of source) if (name.startsWith(`${key}.`)) tensors[name.slice(key.length + 1)] = entryToTensor(entry, name, checkpoint.dir);
      rest[key] = tensors;
    }
  }
  return rest;
}

function kindMismatch(dir: string, key: string, saved: string, given: string): FabricUserError {
  return new FabricUserError(`Checkpoint '${dir}' stores '${key}' as ${saved === 'json' ? 'a plain value' : `a ${saved}`}, but fabric.load was given ${given} for it. Pass the same kind of object that was saved.`);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
