/**
 * The on-disk checkpoint contract, checked from outside: a checkpoint directory holds state.json with a sha256 per
 * file in `checksums`, and every listed file matches. Also loads a checkpoint of fault-train.ts's model through
 * the public API (fabric.load), so the checks keep holding when the files inside change (e.g. sharded files).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Fabric } from '../../src/fabric.js';

/** Why `dir` is not a complete checkpoint, or null when it is. */
export function checkpointProblem(dir: string): string | null {
  let state: { checksums?: Record<string, string> };
  try {
    state = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8'));
  } catch (error) {
    return `state.json unreadable: ${(error as Error).message}`;
  }
  const sums = Object.entries(state.checksums ?? {});
  if (sums.length === 0) return 'state.json lists no checksums';
  for (const [name, sum] of sums) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) return `${name} missing`;
    if (sha256(file) !== sum) return `${name} does not match its checksum`;
  }
  return null;
}

export function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** The checksums a checkpoint recorded, as a fingerprint of its tensors (state.json itself holds times). */
export function fingerprint(dir: string): string {
  const { checksums } = JSON.parse(fs.readFileSync(path.join(dir, 'state.json'), 'utf8')) as { checksums: Record<string, string> };
  return JSON.stringify(Object.entries(checksums).sort());
}

/** Entries of a checkpoint folder that a user would take for checkpoints (not the writer's temp or aside dirs). */
export function checkpointLikeEntries(parent: string): string[] {
  return fs.existsSync(parent) ? fs.readdirSync(parent).filter((name) => !/\.(tmp|old)-\d+-[0-9a-f]+$/.test(name)) : [];
}

let fabric: Fabric | undefined;

async function loaderFabric(): Promise<Fabric> {
  if (!fabric) {
    fabric = new Fabric({ accelerator: 'cpu', loggers: [] });
    await fabric.launch();
  }
  return fabric;
}

/** Saves a fresh fault-train.ts model and optimizer to `dir` with fabric.save (the "next save" after a fault). */
export async function saveFaultTrainCheckpoint(dir: string, step: number): Promise<void> {
  const fabric = await loaderFabric();
  const tf = fabric.tf;
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(0.01));
  try {
    await fabric.save(dir, { model: net, optimizer, step });
  } finally {
    model.dispose();
  }
}

/** Loads `dir` into fault-train.ts's model and optimizer with fabric.load; returns the step, or throws what load threw. */
export async function loadFaultTrainCheckpoint(dir: string): Promise<number> {
  const fabric = await loaderFabric();
  const tf = fabric.tf;
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 6, activation: 'tanh' }), tf.layers.dense({ units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(0.01));
  const state: Record<string, unknown> = { model: net, optimizer, step: 0 };
  try {
    await fabric.load(dir, state);
  } finally {
    model.dispose();
  }
  return Number(state.step);
}

export async function closeLoader(): Promise<void> {
  await fabric?.teardown();
  fabric = undefined;
}
