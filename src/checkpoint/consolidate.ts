import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { readModelEntries, readStateFile } from './checkpoint-files.js';
import { writeSafetensorsFile, type SafetensorsEntry } from './safetensors.js';

export interface ConsolidateOptions {
  /** The model entry of the checkpoint to write (needed only when it saved several models). */
  entry?: string;
  output: string;
  force?: boolean;
}

/**
 * Writes one model's weights from a checkpoint (sharded or not) as a single model.safetensors, with the
 * parameter names `fabric.loadRaw(path, model)` and other safetensors readers expect. Written to a temp file
 * and renamed, so an existing file is replaced whole or not at all.
 */
export async function consolidateCheckpoint(dir: string, options: ConsolidateOptions): Promise<{ output: string; tensors: number; bytes: number; entry: string }> {
  const state = await readStateFile(dir);
  const models = Object.entries(state.entries).filter(([, m]) => m.kind === 'model').map(([key]) => key);
  if (models.length === 0) throw new FabricUserError(`Checkpoint '${dir}' holds no model (its entries: ${Object.keys(state.entries).join(', ') || 'none'}); there is nothing to consolidate.`);
  const entry = options.entry ?? (models.length === 1 ? models[0]! : undefined);
  if (entry === undefined || !models.includes(entry)) {
    throw new FabricUserError(
      `${entry === undefined ? `Checkpoint '${dir}' holds several models` : `Checkpoint '${dir}' has no model named '${entry}'`} (${models.join(', ')}). Choose one with --entry, e.g. --entry ${models[0]}.`,
    );
  }
  if (fs.existsSync(options.output) && !options.force) {
    throw new FabricUserError(`'${options.output}' already exists. Pass --force to replace it, or choose another path with --output.`);
  }
  const all = await readModelEntries(dir, state);
  const prefix = `${entry}.`;
  const tensors = new Map<string, SafetensorsEntry>([...all].filter(([name]) => name.startsWith(prefix)).map(([name, e]) => [name.slice(prefix.length), e]));
  fs.mkdirSync(path.dirname(path.resolve(options.output)), { recursive: true });
  const tmp = `${options.output}.tmp-${process.pid}`;
  try {
    await writeSafetensorsFile(tmp, tensors, { format: 'pt', producer: 'tfjs-fabric consolidate' });
    fs.renameSync(tmp, options.output);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
  return { output: options.output, tensors: tensors.size, bytes: [...tensors.values()].reduce((n, e) => n + e.data.byteLength, 0), entry };
}
