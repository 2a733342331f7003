import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FabricUserError } from '../errors.js';
import { toHalfBits, type HalfFormat } from '../precision/rounding.js';
import { FabricOptimizer } from '../wrappers/fabric-optimizer.js';
import { ParamSet } from '../wrappers/param-set.js';
import { checksumDirectory, verifyChecksums, writeDirectoryAtomically } from './io.js';
import { entryToFloat32, float32Entry, int32Entry, readSafetensorsFile, writeSafetensorsFile, type SafetensorsEntry } from './safetensors.js';

export const CHECKPOINT_FORMAT_VERSION = 1;
const MODEL_FILE = 'model.safetensors';
const OPTIMIZER_FILE = 'optimizer.safetensors';
const STATE_FILE = 'state.json';

/** Checkpoint entries: models and optimizers become tensors, tensors stay tensors, everything else is JSON. */
export type CheckpointState = Record<string, unknown>;
export type SaveFilter = Record<string, (name: string, tensor: tf.Tensor) => boolean>;

type EntryManifest =
  | { kind: 'model'; params: string[] }
  | { kind: 'tensor' }
  | { kind: 'optimizer'; className: string; config: unknown; slots: string[]; scalars: string[] }
  | { kind: 'json' };

export interface StateFile {
  formatVersion: number;
  entries: Record<string, EntryManifest>;
  json: Record<string, unknown>;
  fabric: Record<string, unknown>;
  checksums: Record<string, string>;
}

/** Resolves models and optimizers the user passes in `state` to what Fabric set up for them. */
export interface CheckpointContext {
  paramSetFor(model: unknown): ParamSet | undefined;
  optimizerFor(optimizer: unknown): FabricOptimizer | undefined;
  /** Under bf16-true / 16-true: model parameters are stored as BF16 / F16 (they hold 16-bit values already). */
  modelFormat?: HalfFormat;
}

export async function saveCheckpoint(dir: string, state: CheckpointState, context: CheckpointContext, fabricMeta: Record<string, unknown>, filter: SaveFilter = {}): Promise<void> {
  const modelTensors = new Map<string, SafetensorsEntry>();
  const optimizerTensors = new Map<string, SafetensorsEntry>();
  const manifest: Record<string, EntryManifest> = {};
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(state)) {
    const keep = filter[key] ?? (() => true);
    const params = paramSetOf(value, context);
    const optimizer = optimizerOf(value, context);
    if (params) {
      const names: string[] = [];
      params.names.forEach((name, i) => {
        if (!keep(name, params.variables[i])) return;
        modelTensors.set(`${key}.${name}`, tensorEntry(params.variables[i], context.modelFormat));
        names.push(name);
      });
      manifest[key] = { kind: 'model', params: names };
    } else if (optimizer) {
      manifest[key] = await collectOptimizer(key, optimizer, optimizerTensors);
    } else if (value instanceof tf.Tensor) {
      modelTensors.set(key, tensorEntry(value));
      manifest[key] = { kind: 'tensor' };
    } else {
      json[key] = toJson(key, value);
      manifest[key] = { kind: 'json' };
    }
  }
  await writeDirectoryAtomically(dir, async (tmp) => {
    const files: string[] = [];
    if (modelTensors.size > 0) files.push(MODEL_FILE);
    if (optimizerTensors.size > 0) files.push(OPTIMIZER_FILE);
    if (modelTensors.size > 0) await writeSafetensorsFile(path.join(tmp, MODEL_FILE), modelTensors, { format: 'pt', producer: 'tfjs-fabric' });
    if (optimizerTensors.size > 0) await writeSafetensorsFile(path.join(tmp, OPTIMIZER_FILE), optimizerTensors, { producer: 'tfjs-fabric' });
    const stateFile: StateFile = { formatVersion: CHECKPOINT_FORMAT_VERSION, entries: manifest, json, fabric: fabricMeta, checksums: await checksumDirectory(tmp, files) };
    await fs.promises.writeFile(path.join(tmp, STATE_FILE), JSON.stringify(stateFile, null, 2));
  });
}

export interface LoadedCheckpoint {
  state: StateFile;
  tensors: Map<string, SafetensorsEntry>;
  optimizerTensors: Map<string, SafetensorsEntry>;
  dir: string;
}

export async function readCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const statePath = path.join(dir, STATE_FILE);
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
  if (state.formatVersion !== CHECKPOINT_FORMAT_VERSION || typeof state.entries !== 'object') {
    throw new FabricUserError(`Checkpoint '${dir}' has format version ${String(state.formatVersion)}; this tfjs-fabric reads version ${CHECKPOINT_FORMAT_VERSION}.`);
  }
  await verifyChecksums(dir, state.checksums ?? {});
  const read = async (file: string) => (fs.existsSync(path.join(dir, file)) ? (await readSafetensorsFile(path.join(dir, file))).tensors : new Map<string, SafetensorsEntry>());
  return { state, tensors: await read(MODEL_FILE), optimizerTensors: await read(OPTIMIZER_FILE), dir };
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
      await restoreOptimizer(optimizer, key, manifest, checkpoint);
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
  const file = path.join(checkpoint.dir, MODEL_FILE);
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
  return tensor.dtype === 'int32' ? int32Entry(tensor.dataSync() as Int32Array, tensor.shape) : float32Entry(tensor.dataSync() as Float32Array, tensor.shape);
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
    else {
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
