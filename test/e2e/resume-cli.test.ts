/**
 * `fabric resume` with real processes: 40 straight steps must equal 20 steps, a checkpoint, the rank killed with
 * SIGKILL a few steps later, and `fabric resume` to step 40 — final weights and metrics.csv identical byte for byte.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { stateFileText } from '../../src/checkpoint/checkpoint-files.js';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, fixture, isAlive, makeTempDir, normalizeMessage, removeTempDirs, runCli, runModel, snapshotTree, startCli } from '../helpers/cli.js';
import { readScalars } from '../loggers/tfevents-reader.js';

afterAll(removeTempDirs);

const script = fixture('resume-train.ts');
const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));

/** Runs resume-train until it stalls after `stallAt`, then kills its rank with SIGKILL; returns the run dir. */
async function runAndKill(cwd: string, rootDir: string, name: string, flags: string[], stallAt: number, out: string): Promise<string> {
  const cli = startCli(['run', 'model', `--root-dir=${rootDir}`, `--name=${name}`, '--no-tui', ...flags, script, '--steps', '40', '--out', out], {
    cwd,
    env: { RESUME_TRAIN_STALL_AT: String(stallAt) },
    timeoutMs: 90_000,
  });
  const [, pid] = await cli.waitFor(new RegExp(`stalled at step ${stallAt} \\(pid (\\d+)\\)`));
  process.kill(Number(pid), 'SIGKILL');
  const result = await cli.done;
  expect(result.code, result.output).not.toBe(0);
  expect(await eventually(() => !isAlive(Number(pid)), 5000)).toBe(true);
  return path.join(rootDir, name, 'version_0');
}

describe('fabric resume after kill -9', () => {
  it('reaches step 40 with the same weights and the same metrics.csv as a straight run (1 rank)', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const straightOut = path.join(cwd, 'straight.json');
    const straight = await runModel({ cwd, rootDir, flags: ['--name=straight', '--seed=7', '--no-tui'], script, scriptArgs: ['--steps', '40', '--out', straightOut], timeoutMs: 90_000 });
    expect(straight.code, straight.output).toBe(0);

    const resumedOut = path.join(cwd, 'resumed.json');
    const runDir = await runAndKill(cwd, rootDir, 'resumed', ['--seed=7'], 25, resumedOut);
    expect(fs.readdirSync(path.join(runDir, 'checkpoints')).sort()).toEqual(['step_10', 'step_20']);
    // The killed run had written rows 21..25; they must go before the resumed run logs those steps again.
    expect(fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8')).toMatch(/^25,/m);

    const resumed = await runCli(['resume', '--no-tui', runDir], { cwd, timeoutMs: 90_000 });
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.stdout).toContain('resumed at step 20, epoch 2');

    const a = readJson(straightOut);
    const b = readJson(resumedOut);
    expect(b.globalStep).toBe(40);
    expect(b.weights).toEqual(a.weights);
    const straightDir = path.join(rootDir, 'straight', 'version_0');
    expect(fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8')).toBe(fs.readFileSync(path.join(straightDir, 'metrics.csv'), 'utf8'));
    // TensorBoard: two event files, and a reader that honours the restart sees the straight run's history.
    expect(fs.readdirSync(runDir).filter((f) => f.startsWith('events.out.tfevents.'))).toHaveLength(2);
    expect(readScalars(runDir)).toEqual(readScalars(straightDir));

    const info = readJson(path.join(runDir, 'run.json'));
    expect(info.status).toBe('finished');
    expect(info.command.slice(0, 3)).toEqual(['fabric', 'run', 'model']);
    expect(info.resumes).toHaveLength(1);
    expect(info.resumes[0]).toMatchObject({ checkpoint: path.join(runDir, 'checkpoints', 'step_20'), step: 20, status: 'finished', exitCode: 0, overrides: {} });
    expect(info.scriptSha256).toMatch(/^[0-9a-f]{64}$/);
    const stateJson = readJson(path.join(runDir, 'checkpoints', 'step_40', 'state.json'));
    expect(stateJson.fabric).toMatchObject({ runDir, scriptSha256: info.scriptSha256, loggerStep: 40 });
    expect(fs.readdirSync(path.join(runDir, 'checkpoints')).sort()).toEqual(['step_30', 'step_40']);
    // One rank log holds both processes' output.
    expect(fs.readFileSync(path.join(runDir, 'rank_0.log'), 'utf8')).toMatch(/stalled at step 25[\s\S]*resumed at step 20/);
  });

  it.each(['ddp', 'fsdp'])('continues a 2-rank %s run from a checkpoint directory, bit for bit', async (strategy) => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const flags = ['--seed=3', '--devices=2', `--strategy=${strategy}`, '--accelerator=cpu'];
    const straightOut = path.join(cwd, 'straight.json');
    const straight = await runModel({ cwd, rootDir, flags: ['--name=straight', '--no-tui', ...flags], script, scriptArgs: ['--steps', '40', '--out', straightOut], timeoutMs: 120_000 });
    expect(straight.code, straight.output).toBe(0);

    const resumedOut = path.join(cwd, 'resumed.json');
    const runDir = await runAndKill(cwd, rootDir, 'resumed', flags, 23, resumedOut);
    // Kept aside: ModelCheckpoint's keepLast removes step_20 once the resumed run saves two newer ones.
    const stepTwenty = path.join(cwd, 'step_20');
    fs.cpSync(path.join(runDir, 'checkpoints', 'step_20'), stepTwenty, { recursive: true });
    const resumed = await runCli(['resume', '--no-tui', path.join(runDir, 'checkpoints', 'step_20')], { cwd, timeoutMs: 120_000 });
    expect(resumed.code, resumed.output).toBe(0);
    expect(readJson(resumedOut).weights).toEqual(readJson(straightOut).weights);
    expect(fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8')).toBe(fs.readFileSync(path.join(rootDir, 'straight', 'version_0', 'metrics.csv'), 'utf8'));
    expect(readJson(path.join(runDir, 'run.json')).worldSize).toBe(2);
    if (strategy !== 'fsdp') return;
    // The same sharded checkpoint goes on in one process: resharded on load, the run reaches its last step.
    const single = await runCli(['resume', '--no-tui', '--devices=1', stepTwenty], { cwd, timeoutMs: 120_000 });
    expect(single.code, single.output).toBe(0);
    expect(readJson(resumedOut).globalStep).toBe(40);
  });
});

describe('fabric resume: bad input', () => {
  it('refuses a folder that is no checkpoint, and touches nothing', async () => {
    const cwd = makeTempDir();
    fs.mkdirSync(path.join(cwd, 'notes'));
    fs.writeFileSync(path.join(cwd, 'notes', 'a.txt'), 'hi');
    const before = snapshotTree(cwd);
    const result = await runCli(['resume', path.join(cwd, 'notes')], { cwd });
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.stderr)).toContain('is not a tfjs-fabric checkpoint: it has no state.json');
    expect(snapshotTree(cwd)).toEqual(before);
  });

  it('refuses a checkpoint from a newer format, a run without checkpoints, and changing the run name', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const first = await runModel({ cwd, rootDir, flags: ['--name=r', '--no-tui', '--seed=1'], script, scriptArgs: ['--steps', '10'] });
    expect(first.code, first.output).toBe(0);
    const runDir = path.join(rootDir, 'r', 'version_0');
    const checkpoint = path.join(runDir, 'checkpoints', 'step_10');
    const stateFile = path.join(checkpoint, 'state.json');
    const state = readJson(stateFile);
    fs.writeFileSync(stateFile, JSON.stringify({ ...state, formatVersion: 99 }));
    const before = snapshotTree(rootDir);
    const newer = await runCli(['resume', checkpoint], { cwd });
    expect(newer.code).toBe(2);
    expect(normalizeMessage(newer.stderr)).toMatch(/format version 99, newer than the version 1 .* Upgrade tfjs-fabric/);
    expect(snapshotTree(rootDir)).toEqual(before);

    fs.writeFileSync(stateFile, JSON.stringify(state));
    const renamed = await runCli(['resume', '--name=other', runDir], { cwd });
    expect(renamed.code).toBe(2);
    expect(normalizeMessage(renamed.stderr)).toContain('--name cannot change on resume');

    fs.rmSync(path.join(runDir, 'checkpoints', 'step_10'), { recursive: true });
    const empty = await runCli(['resume', runDir], { cwd });
    expect(empty.code).toBe(2);
    expect(normalizeMessage(empty.stderr)).toContain('has no checkpoint in');
  });

  it('warns with both hashes when the script changed since the checkpoint, then resumes', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const first = await runModel({ cwd, rootDir, flags: ['--name=r', '--no-tui', '--seed=1'], script, scriptArgs: ['--steps', '10'] });
    expect(first.code, first.output).toBe(0);
    const checkpoint = path.join(rootDir, 'r', 'version_0', 'checkpoints', 'step_10');
    const stateFile = path.join(checkpoint, 'state.json');
    const state = readJson(stateFile);
    state.fabric.scriptSha256 = 'ab'.repeat(32); // as if the script had other bytes when this checkpoint was written
    fs.writeFileSync(stateFile, stateFileText(state)); // with state.json's own checksum redone, as the writer would have

    const result = await runCli(['resume', '--no-tui', checkpoint, '--', '--steps', '12'], { cwd, timeoutMs: 90_000 });
    expect(result.code, result.output).toBe(0);
    const message = normalizeMessage(result.stderr);
    expect(message).toContain(`resume-train.ts changed since checkpoint ${checkpoint} was written (sha256 abababababab... then, ${readJson(path.join(rootDir, 'r', 'version_0', 'run.json')).scriptSha256.slice(0, 12)}... now)`);
    expect(result.stdout).toContain('resumed at step 10');
  });

  it('has help with a summary and examples', async () => {
    const result = await runCli(['resume', '--help'], { cwd: makeTempDir() });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Continue a run from a checkpoint, in the same run directory.');
    expect(result.stdout).toContain('fabric resume runs/fabric/version_0');
    expect(result.stdout).toContain('--devices');
  });
});
