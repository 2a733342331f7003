import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHECKPOINT_FORMAT_VERSION } from '../../src/checkpoint/state.js';
import { listCheckpoints, READABLE_CHECKPOINT_FORMAT, readCheckpointInfo, resolveResumeTarget, sha256File } from '../../src/run-dir/checkpoints.js';
import { createRunDir, writeRunInfo, type RunPaths } from '../../src/run-dir/run-dir.js';
import { userErrorOf } from '../helpers/user-error.js';

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-ckpts-'));
});
afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

function writeCheckpoint(dir: string, fabric: Record<string, unknown>, formatVersion = 1): string {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'state.json'), JSON.stringify({ formatVersion, entries: {}, json: {}, fabric, checksums: {} }));
  return dir;
}

function makeRun(): RunPaths {
  const run = createRunDir(root, 'exp');
  writeRunInfo(run, { command: ['fabric'], script: '/x/train.ts', scriptArgs: [], config: {}, versions: {}, worldSize: 1, startTime: '', status: 'failed', cwd: root });
  return run;
}

describe('checkpoint info for resume', () => {
  it('reads the format the checkpoint writer writes', () => {
    expect(READABLE_CHECKPOINT_FORMAT).toBe(CHECKPOINT_FORMAT_VERSION);
  });

  it('a run dir resolves to its checkpoint with the highest global step, skipping unfinished saves', () => {
    const run = makeRun();
    writeCheckpoint(path.join(run.checkpoints, 'step_100'), { globalStep: 100 });
    writeCheckpoint(path.join(run.checkpoints, 'step_20'), { globalStep: 20 });
    writeCheckpoint(path.join(run.checkpoints, 'step_200.tmp-1-ab'), { globalStep: 200 });
    fs.mkdirSync(path.join(run.checkpoints, 'empty'));
    expect(listCheckpoints(run).map((c) => c.fabric.globalStep)).toEqual([20, 100]);
    const target = resolveResumeTarget(run.dir);
    expect(target.checkpoint.dir).toBe(path.join(run.checkpoints, 'step_100'));
    expect(target.run.dir).toBe(run.dir);
  });

  it('a checkpoint finds its run through the recorded run dir or its place under checkpoints/', () => {
    const run = makeRun();
    const inside = writeCheckpoint(path.join(run.checkpoints, 'step_5'), { globalStep: 5 });
    expect(resolveResumeTarget(inside).run.dir).toBe(run.dir);
    const outside = writeCheckpoint(path.join(root, 'elsewhere', 'ckpt'), { globalStep: 5, runDir: run.dir });
    expect(resolveResumeTarget(outside).run.dir).toBe(run.dir);
    const orphan = writeCheckpoint(path.join(root, 'orphan'), { globalStep: 5 });
    expect(userErrorOf(() => resolveResumeTarget(orphan))).toMatch(/belongs to no run directory/);
  });

  it('explains a missing folder, a folder without state.json, damaged JSON, a newer format, and a run without checkpoints', () => {
    expect(userErrorOf(() => readCheckpointInfo(path.join(root, 'nope')))).toMatch(/does not exist/);
    fs.mkdirSync(path.join(root, 'plain'));
    expect(userErrorOf(() => readCheckpointInfo(path.join(root, 'plain')))).toMatch(/not a tfjs-fabric checkpoint/);
    fs.mkdirSync(path.join(root, 'bad'));
    fs.writeFileSync(path.join(root, 'bad', 'state.json'), '{');
    expect(userErrorOf(() => readCheckpointInfo(path.join(root, 'bad')))).toMatch(/not valid JSON/);
    const newer = writeCheckpoint(path.join(root, 'newer'), {}, 2);
    expect(userErrorOf(() => readCheckpointInfo(newer))).toMatch(/format version 2, newer than the version 1/);
    expect(userErrorOf(() => resolveResumeTarget(makeRun().dir))).toMatch(/has no checkpoint/);
  });

  it('hashes files with sha256', () => {
    const file = path.join(root, 'a.txt');
    fs.writeFileSync(file, 'abc');
    expect(sha256File(file)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
