/**
 * The language model's settings: defaults below, then `lm.config.yaml` (or the file given with --lm-config),
 * then command-line overrides such as `--steps 50 --d-model 32` (any key, kebab-case).
 */
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import { parse } from 'yaml';

export const DEFAULT_SETTINGS = {
  /** 'brown' (shipped with tfjs-fabric) or the folder of a WikiText corpus (wiki.{train,valid,test}.tokens). */
  source: 'brown',
  /** 'char' (one id per character) or 'byte' (UTF-8 bytes, 256 ids). */
  vocab: 'char',
  /** Brown only: read just the first N documents (0 = all 500); smoke tests start faster. */
  maxDocuments: 0,
  contextLength: 64,
  dModel: 64,
  nHeads: 4,
  nLayers: 2,
  mlpRatio: 4,
  tiedHead: true,
  steps: 300,
  /** Per rank: with --devices=2 each step sees twice the tokens. */
  batchSize: 16,
  lr: 0.003,
  /** Clip the gradients' global norm to this (0 = off). */
  gradClip: 1,
  evalEvery: 50,
  /** Validation batches per evaluation (spread evenly over the validation text, shared among ranks). */
  evalBatches: 8,
  /** Save a checkpoint every N steps (0 = only at the end). */
  saveEvery: 0,
  prompt: 'The ',
  sampleLength: 200,
  temperature: 0.8,
  topK: 10,
};
export type Settings = typeof DEFAULT_SETTINGS;
type Key = keyof Settings;

const kebab = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

function coerce(key: Key, raw: unknown, where: string): Settings[Key] {
  const expected = typeof DEFAULT_SETTINGS[key];
  if (expected === 'number') {
    const value = typeof raw === 'number' ? raw : Number(raw);
    if (raw === '' || !Number.isFinite(value)) throw new Error(`${where}: '${key}' must be a number, got ${JSON.stringify(raw)}.`);
    return value;
  }
  if (expected === 'boolean') {
    if (raw === true || raw === 'true') return true;
    if (raw === false || raw === 'false') return false;
    throw new Error(`${where}: '${key}' must be true or false, got ${JSON.stringify(raw)}.`);
  }
  return String(raw);
}

function fromYaml(file: string): Partial<Settings> {
  const doc = (parse(fs.readFileSync(file, 'utf8')) ?? {}) as Record<string, unknown>;
  const out: Partial<Record<Key, unknown>> = {};
  for (const [name, raw] of Object.entries(doc)) {
    if (!(name in DEFAULT_SETTINGS)) throw new Error(`${file}: unknown setting '${name}'. Known: ${Object.keys(DEFAULT_SETTINGS).join(', ')}.`);
    out[name as Key] = coerce(name as Key, raw, file);
  }
  return out as Partial<Settings>;
}

/** Defaults < YAML file < command-line arguments. */
export function loadSettings(args: string[], defaultFile: string): Settings {
  const options: Record<string, { type: 'string' }> = { 'lm-config': { type: 'string' } };
  for (const key of Object.keys(DEFAULT_SETTINGS)) options[kebab(key)] = { type: 'string' };
  const { values } = parseArgs({ args, options, allowPositionals: false });
  const file = values['lm-config'] ?? (fs.existsSync(defaultFile) ? defaultFile : undefined);
  const settings: Settings = { ...DEFAULT_SETTINGS, ...(file ? fromYaml(file) : {}) };
  for (const key of Object.keys(DEFAULT_SETTINGS) as Key[]) {
    const raw = values[kebab(key)];
    if (raw !== undefined) (settings as Record<Key, unknown>)[key] = coerce(key, raw, `--${kebab(key)}`);
  }
  return settings;
}
