/**
 * User mistakes through the real CLI: exit code 2, one clear message, no stack trace, nothing overwritten.
 * A script that throws is not a user mistake of this kind: exit 1 with its stack pointing at the script.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  csvColumn,
  fixture,
  lineOf,
  makeTempDir,
  normalizeMessage,
  readCsv,
  removeTempDirs,
  runCli,
  runModel,
  runVersions,
  snapshotTree,
  STACK_FRAME,
  type CliResult,
} from '../helpers/cli.js';

let cwd: string;
let rootDir: string;
/** An earlier run that every failing command must leave exactly as it was. */
let earlierRun: string;
let earlierSnapshot: Record<string, string>;
/** A good checkpoint of tiny-train.ts (hidden 8), saved after step 2. */
let goodCheckpoint: string;

beforeAll(async () => {
  cwd = makeTempDir();
  rootDir = path.join(cwd, 'runs');
  goodCheckpoint = path.join(cwd, 'good-ckpt');
  const result = await runModel({ cwd, rootDir, flags: ['--seed=1'], script: fixture('tiny-train.ts'), scriptArgs: ['--steps', '2', '--save-at', '2', '--ckpt', goodCheckpoint] });
  expect(result.code, result.output).toBe(0);
  earlierRun = path.join(rootDir, 'fabric', 'version_0');
  earlierSnapshot = snapshotTree(earlierRun);
});

afterAll(removeTempDirs);

/** Exit 2, the message (gutter and wrapping removed) matches every pattern, no stack frames anywhere, the earlier run intact. */
function expectUserError(result: CliResult, ...patterns: (string | RegExp)[]): string {
  expect(result.code, result.output).toBe(2);
  const message = normalizeMessage(result.output);
  for (const pattern of patterns) {
    if (typeof pattern === 'string') expect(message).toContain(pattern);
    else expect(message).toMatch(pattern);
  }
  expect(result.output, 'a user mistake must not print a stack trace').not.toMatch(STACK_FRAME);
  expect(snapshotTree(earlierRun)).toEqual(earlierSnapshot);
  return message;
}

/** For mistakes caught before launch: the whole output is the one paragraph, and no run directory was made. */
function expectCaughtBeforeLaunch(result: CliResult): void {
  expect(result.output.trim(), 'a user mistake gets a one-paragraph message').not.toMatch(/\n[ \t]*\n/);
  expect(runVersions(rootDir)).toEqual(['version_0']);
}

function fabric(...args: string[]): Promise<CliResult> {
  return runCli(['run', 'model', `--root-dir=${rootDir}`, ...args], { cwd });
}

describe('mistakes on the command line and in config files', () => {
  it('no script path', async () => {
    const result = await fabric();
    expectUserError(result, /no training script/i, 'train');
    expectCaughtBeforeLaunch(result);
  });

  it('a script that does not exist', async () => {
    const result = await fabric('does-not-exist.ts');
    expectUserError(result, 'does-not-exist.ts');
    expectCaughtBeforeLaunch(result);
  });

  it('an unknown flag', async () => {
    const result = await fabric('--devicez=1', fixture('tiny-train.ts'));
    expectUserError(result, '--devicez', /did you mean .*--devices/i);
    expectCaughtBeforeLaunch(result);
  });

  it('--devices=0', async () => {
    const result = await fabric('--devices=0', fixture('tiny-train.ts'));
    expectUserError(result, 'devices', "'0'", '--devices');
    expectCaughtBeforeLaunch(result);
  });

  it('--precision=17', async () => {
    const result = await fabric('--precision=17', fixture('tiny-train.ts'));
    expectUserError(result, "'17'", 'precision', '32-true', 'bf16-mixed');
    expectCaughtBeforeLaunch(result);
  });

  it('malformed YAML in --config names file:line:column', async () => {
    fs.writeFileSync(path.join(cwd, 'broken.yaml'), 'devices: 1\nname: a: b\nseed: 3\n');
    const result = await fabric('--config', 'broken.yaml', fixture('tiny-train.ts'));
    expectUserError(result, /broken\.yaml:2:\d+/, /YAML/);
    expectCaughtBeforeLaunch(result);
  });

  it('an unknown YAML key suggests the right one', async () => {
    fs.writeFileSync(path.join(cwd, 'typo.yaml'), 'seed: 1\ndevcies: 1\n');
    const result = await fabric('--config', 'typo.yaml', fixture('tiny-train.ts'));
    expectUserError(result, "'devcies'", /did you mean 'devices'/i, /typo\.yaml:2:1/);
    expectCaughtBeforeLaunch(result);
  });

  it('a --token-file that does not exist, even on one rank', async () => {
    const result = await fabric('--token-file=no-such.token', fixture('tiny-train.ts'));
    expectUserError(result, "Could not read the token file 'no-such.token' (ENOENT)", 'openssl rand -hex 32');
    expectCaughtBeforeLaunch(result);
  });

  it('a --config file that is missing', async () => {
    const result = await fabric('--config', 'nowhere.yaml', fixture('tiny-train.ts'));
    expectUserError(result, 'nowhere.yaml', /does not exist|not found/);
    expectCaughtBeforeLaunch(result);
  });
});

describe('mistakes found in the rank', () => {
  /** The new run this failure made must be recorded as failed with exit code 2. */
  function expectFailedRun(): void {
    const latest = runVersions(rootDir).at(-1)!;
    expect(latest).not.toBe('version_0');
    const info = JSON.parse(fs.readFileSync(path.join(rootDir, 'fabric', latest, 'run.json'), 'utf8')) as { status: string; exitCode: number };
    expect(info).toMatchObject({ status: 'failed', exitCode: 2 });
  }

  it('a script without a train export lists what it does export', async () => {
    expectUserError(await fabric(fixture('no-train.ts')), 'no-train.ts', 'train', 'helper', 'VERSION');
    expectFailedRun();
  });

  it('new Fabric({ strategy }) in code against --strategy=ddp names both values', async () => {
    expectUserError(await fabric('--strategy=ddp', fixture('conflict.ts')), 'single_device', 'ddp', '--strategy');
    expectFailedRun();
  });

  /** Copies the good checkpoint so a test can damage its copy; returns the copy's path. */
  function copyCheckpoint(name: string): string {
    const copy = path.join(cwd, name);
    fs.cpSync(goodCheckpoint, copy, { recursive: true });
    return copy;
  }

  async function load(checkpoint: string, ...extra: string[]): Promise<CliResult> {
    const before = snapshotTree(checkpoint);
    const result = await fabric(fixture('load-checkpoint.ts'), '--ckpt', checkpoint, ...extra);
    expect(snapshotTree(checkpoint), 'fabric.load must not modify the checkpoint').toEqual(before);
    return result;
  }

  it('the good checkpoint loads (control for the cases below)', async () => {
    const result = await load(goodCheckpoint);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('[rank 0] loaded step 2');
  });

  it('a checkpoint path that does not exist', async () => {
    const missing = path.join(cwd, 'no-such-ckpt');
    expectUserError(await fabric(fixture('load-checkpoint.ts'), '--ckpt', missing), missing, /does not exist/);
    expect(fs.existsSync(missing)).toBe(false);
    expectFailedRun();
  });

  it('a truncated model.safetensors is caught by the recorded checksum', async () => {
    const checkpoint = copyCheckpoint('ckpt-truncated');
    fs.truncateSync(path.join(checkpoint, 'model.safetensors'), 20);
    expectUserError(await load(checkpoint), 'model.safetensors');
    expectFailedRun();
  });

  it('a checkpoint whose state.json lost its checksums is refused, naming the unverifiable file', async () => {
    const checkpoint = copyCheckpoint('ckpt-no-checksums');
    const statePath = path.join(checkpoint, 'state.json');
    const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as { checksums?: unknown; stateChecksum?: unknown };
    // As an edited or hand-made state.json would be: no checksums, and so no checksum of its own either.
    delete state.checksums;
    delete state.stateChecksum;
    fs.writeFileSync(statePath, JSON.stringify(state));
    fs.truncateSync(path.join(checkpoint, 'model.safetensors'), 20);
    expectUserError(await load(checkpoint), 'model.safetensors', /has no checksum for that file/);
    expectFailedRun();
  });

  it('a shape mismatch names the tensor and both shapes', async () => {
    const message = expectUserError(await load(goodCheckpoint, '--hidden', '5'));
    expect(message).toMatch(/'layers\.0\.kernel'.*\[4, ?8\].*\[4, ?5\]|'layers\.0\.bias'.*\[8\].*\[5\]|'layers\.1\.kernel'.*\[8, ?1\].*\[5, ?1\]/);
    expectFailedRun();
  });

  it('a strict load with parameters missing from the checkpoint lists them', async () => {
    expectUserError(await load(goodCheckpoint, '--extra-layer'), 'layers.2.kernel', 'layers.2.bias', /missing/);
    expectFailedRun();
  });

  it('a strict load asking for a state entry the checkpoint lacks names it', async () => {
    expectUserError(await load(goodCheckpoint, '--extra-entry'), "'scheduler'", 'strict');
    expectFailedRun();
  });
});

describe('failures of the script itself', () => {
  it('a script that throws: exit 1 with its stack, prefixed [rank 0], pointing at the .ts line', async () => {
    const script = fixture('throws.ts');
    const line = lineOf(script, "throw new Error('fixture failure");
    const result = await fabric(script);
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('[rank 0] Error: fixture failure from explodeOnPurpose');
    expect(result.output).toMatch(new RegExp(`^\\[rank 0\\]\\s+at explodeOnPurpose \\(.*throws\\.ts:${line}:\\d+\\)`, 'm'));
    expect(result.output).toContain(`throws.ts:${line}`);
    const latest = runVersions(rootDir).at(-1)!;
    const info = JSON.parse(fs.readFileSync(path.join(rootDir, 'fabric', latest, 'run.json'), 'utf8')) as { status: string; exitCode: number };
    expect(info).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(snapshotTree(earlierRun)).toEqual(earlierSnapshot);
  });

  it('process.exit(3) in the script: the CLI exits 3, run.json says failed, logged metrics are flushed', async () => {
    const result = await fabric(fixture('exit-code.ts'));
    expect(result.code, result.output).toBe(3);
    expect(result.output).not.toMatch(STACK_FRAME);
    const latest = path.join(rootDir, 'fabric', runVersions(rootDir).at(-1)!);
    const info = JSON.parse(fs.readFileSync(path.join(latest, 'run.json'), 'utf8')) as { status: string; exitCode: number };
    expect(info).toMatchObject({ status: 'failed', exitCode: 3 });
    expect(csvColumn(readCsv(path.join(latest, 'metrics.csv')), 'loss')).toEqual(['1']);
  });
});
