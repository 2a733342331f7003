/**
 * A sharded checkpoint written by two real ranks, then damaged in every way a disk or a person can damage it:
 * each load fails with one paragraph naming the file, and nothing is half-loaded. `fabric consolidate` turns the
 * shards into one file that fabric.loadRaw reads.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint, restoreCheckpoint } from '../../src/checkpoint/state.js';
import { readSafetensorsFile } from '../../src/checkpoint/safetensors.js';
import { ParamSet } from '../../src/wrappers/param-set.js';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli, runModel } from '../helpers/cli.js';
import { userErrorFrom } from '../helpers/user-error.js';

let cwd: string;
let original: string;

beforeAll(async () => {
  cwd = makeTempDir();
  original = path.join(cwd, 'ckpt');
  const result = await runModel({ cwd, rootDir: path.join(cwd, 'runs'), flags: ['--devices=2', '--strategy=fsdp'], script: fixture('sharded-train.ts'), scriptArgs: ['--steps', '2', '--save-at', '2', '--ckpt', original] });
  expect(result.code, result.output).toBe(0);
}, 120_000);
afterAll(removeTempDirs);

/** A fresh copy of the checkpoint to damage. */
function copy(): string {
  const dir = fs.mkdtempSync(path.join(cwd, 'damaged-'));
  fs.cpSync(original, dir, { recursive: true });
  return dir;
}

describe('loading a damaged sharded checkpoint', () => {
  it('names a missing shard', async () => {
    const dir = copy();
    fs.rmSync(path.join(dir, 'model-00002-of-00002.safetensors'));
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/model-00002-of-00002\.safetensors.*(missing|not a file of this checkpoint)/);
  });

  it('names a truncated shard', async () => {
    const dir = copy();
    const file = path.join(dir, 'model-00001-of-00002.safetensors');
    fs.truncateSync(file, fs.statSync(file).size - 10);
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/model-00001-of-00002\.safetensors" was modified, truncated or corrupted/);
  });

  it('names a shard whose bytes were flipped', async () => {
    const dir = copy();
    const file = path.join(dir, 'model-00002-of-00002.safetensors');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 3] ^= 0xff;
    fs.writeFileSync(file, bytes);
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/model-00002-of-00002\.safetensors/);
  });

  it('refuses an index that names a file the checkpoint does not have', async () => {
    const dir = copy();
    const indexFile = path.join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(fs.readFileSync(indexFile, 'utf8')) as { weight_map: Record<string, string> };
    index.weight_map['model.layers.0.kernel'] = 'model-00007-of-00002.safetensors';
    fs.writeFileSync(indexFile, JSON.stringify(index));
    // The state.json checksum of the index no longer matches either; the index is checked for what it names first.
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/model-00007-of-00002\.safetensors', which is not a file of this checkpoint/);
  });

  it('refuses a checkpoint from a newer format version, saying to upgrade', async () => {
    const dir = copy();
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, JSON.stringify({ ...JSON.parse(fs.readFileSync(stateFile, 'utf8')), formatVersion: 99 }));
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/format version 99.*Upgrade tfjs-fabric/);
  });

  it('catches a changed value in state.json itself, which carries its own checksum', async () => {
    const dir = copy();
    const stateFile = path.join(dir, 'state.json');
    fs.writeFileSync(stateFile, fs.readFileSync(stateFile, 'utf8').replace('"step": 2', '"step": 3'));
    expect((await userErrorFrom(readCheckpoint(dir))).message).toMatch(/state\.json' was modified or corrupted/);
  });

  it('refuses a folder that is no checkpoint', async () => {
    expect((await userErrorFrom(readCheckpoint(cwd))).message).toMatch(/is not a tfjs-fabric checkpoint: it has no state\.json/);
  });

  it('lists the parameters that do not match the model, and loads none of them', async () => {
    const checkpoint = await readCheckpoint(original);
    const kernel = tf.variable(tf.zeros([4, 9]));
    const bias = tf.variable(tf.zeros([9]));
    const params = new ParamSet({ 'layers.0.kernel': kernel, 'layers.0.bias': bias });
    const context = { paramSetFor: (m: unknown) => (m === params ? params : undefined), optimizerFor: () => undefined };
    const error = await userErrorFrom(restoreCheckpoint(checkpoint, { model: params }, context, true));
    expect(error.message).toMatch(/model\.safetensors\.index\.json' do not match the model \(unexpected keys: /);
    for (const name of ['layers.1.kernel', 'layers.1.bias', 'layers.2.kernel', 'layers.2.bias']) expect(error.message).toContain(name);
    const shapes = await userErrorFrom(restoreCheckpoint(checkpoint, { model: params }, context, false));
    expect(shapes.message).toMatch(/Tensor 'layers\.0\.(kernel|bias)' in .*has shape \[(4,7|7)\] but the model's parameter has shape \[(4,9|9)\]/);
    expect(Array.from(kernel.dataSync()).every((v) => v === 0)).toBe(true);
    tf.dispose([kernel, bias]);
  });
});

describe('fabric consolidate', () => {
  it('writes the shards as one file with the names fabric.loadRaw expects, and never overwrites without --force', async () => {
    const output = path.join(cwd, 'model.safetensors');
    const result = await runCli(['consolidate', original, '--output', output], { cwd });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/Wrote 6 tensors of 'model'/);
    const merged = await readSafetensorsFile(output);
    expect([...merged.tensors.keys()].sort()).toEqual(['layers.0.bias', 'layers.0.kernel', 'layers.1.bias', 'layers.1.kernel', 'layers.2.bias', 'layers.2.kernel']);
    const checkpoint = await readCheckpoint(original);
    for (const [name, entry] of merged.tensors) expect(Buffer.from(entry.data).equals(Buffer.from(checkpoint.tensors.get(`model.${name}`)!.data))).toBe(true);

    const again = await runCli(['consolidate', original, '--output', output], { cwd });
    expect(again.code).toBe(2);
    expect(normalizeMessage(again.stderr)).toMatch(/already exists\. Pass --force/);
    expect((await runCli(['consolidate', original, '--output', output, '--force'], { cwd })).code).toBe(0);
  }, 60_000);
});
