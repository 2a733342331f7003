/**
 * `fabric run model` end to end: the real CLI, a real rank process, the run directory it leaves behind.
 * Needs `npm run build` first (bin/run.js runs dist/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumn, fixture, makeTempDir, readCsv, removeTempDirs, runCli, runModel, runVersions, snapshotTree } from '../helpers/cli.js';

afterAll(removeTempDirs);

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
}

describe('fabric run model', () => {
  it('trains the tiny MLP: exit 0, metrics.csv steps 1..N across flushes, run.json, checkpoint, prefixed output', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const result = await runModel({
      cwd,
      rootDir,
      flags: ['--flush-logs-every-n-steps=3', '--seed=7'],
      script: fixture('tiny-train.ts'),
      scriptArgs: ['--steps', '7', '--save-at', '5'],
    });
    expect(result.code, result.output).toBe(0);

    expect(runVersions(rootDir)).toEqual(['version_0']);
    const run = path.join(rootDir, 'fabric', 'version_0');

    const table = readCsv(path.join(run, 'metrics.csv'));
    expect(table.header[0]).toBe('step');
    expect(table.header).toContain('loss');
    expect(csvColumn(table, 'step')).toEqual(['1', '2', '3', '4', '5', '6', '7']);
    for (const loss of csvColumn(table, 'loss')) expect(Number.isFinite(Number(loss)), loss).toBe(true);

    const info = readJson(path.join(run, 'run.json'));
    expect(info.status).toBe('finished');
    expect(info.exitCode).toBe(0);

    const checkpoint = path.join(run, 'checkpoints', 'step_5');
    expect(fs.readdirSync(checkpoint).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const state = readJson(path.join(checkpoint, 'state.json')) as { json: { step: number } };
    expect(state.json.step).toBe(5);

    expect(fs.readFileSync(path.join(run, 'hparams.yaml'), 'utf8')).toMatch(/^hidden: 8$/m);
    expect(fs.readFileSync(path.join(run, 'rank_0.log'), 'utf8')).toContain('finished at step 7');
    const progress = fs.readFileSync(path.join(run, 'progress.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { kind: string; step: number });
    expect(progress.at(-1)).toMatchObject({ kind: 'end', step: 7 });

    // The rank's own prints and the final progress line both come through with the rank prefix.
    expect(result.stdout).toMatch(/^\[rank 0\] finished at step 7$/m);
    expect(result.stdout).toMatch(/^\[rank 0\] step 7\b.*loss=/m);
  });

  it('gives a second run version_1 and leaves version_0 untouched; a default export works', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const first = await runModel({ cwd, rootDir, script: fixture('default-export.ts'), scriptArgs: ['first'] });
    expect(first.code, first.output).toBe(0);
    expect(first.stdout).toContain('[rank 0] default export ran with ["first"]');
    const before = snapshotTree(path.join(rootDir, 'fabric', 'version_0'));
    expect(Object.keys(before)).toContain('metrics.csv');

    const second = await runModel({ cwd, rootDir, script: fixture('default-export.ts'), scriptArgs: ['second'] });
    expect(second.code, second.output).toBe(0);
    expect(second.stdout).toContain('[rank 0] default export ran with ["second"]');
    expect(runVersions(rootDir)).toEqual(['version_0', 'version_1']);
    expect(snapshotTree(path.join(rootDir, 'fabric', 'version_0'))).toEqual(before);
    const info = readJson(path.join(rootDir, 'fabric', 'version_1', 'run.json'));
    expect(info).toMatchObject({ status: 'finished', exitCode: 0 });
    expect(csvColumn(readCsv(path.join(rootDir, 'fabric', 'version_1', 'metrics.csv')), 'value')).toEqual(['1.5']);
  });

  it('passes everything after a leading `--` to the script untouched', async () => {
    const cwd = makeTempDir();
    const out = path.join(cwd, 'args.json');
    const result = await runCli(['run', 'model', `--root-dir=${path.join(cwd, 'runs')}`, fixture('args-echo.ts'), '--', '--lr', '0.1', '--devices', '4'], {
      cwd,
      env: { ARGS_ECHO_OUT: out },
    });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(['--lr', '0.1', '--devices', '4']);
  });

  it('gives flags after the script path to the script, not to Fabric', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const out = path.join(cwd, 'args.json');
    const scriptArgs = ['--name', 'other', '--devices=4', '--seed', 'x', '--', '--later'];
    const result = await runCli(['run', 'model', `--root-dir=${rootDir}`, '--name=echo', fixture('args-echo.ts'), ...scriptArgs], {
      cwd,
      env: { ARGS_ECHO_OUT: out },
    });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(scriptArgs);
    expect(runVersions(rootDir, 'echo')).toEqual(['version_0']);
    expect(fs.existsSync(path.join(rootDir, 'other'))).toBe(false);
    const info = readJson(path.join(rootDir, 'echo', 'version_0', 'run.json')) as { config: Record<string, unknown>; scriptArgs: string[] };
    expect(info.config.devices).not.toBe(4);
    expect(info.config.seed).toBeNull();
    expect(info.scriptArgs).toEqual(scriptArgs);
  });

  it('repeats a run exactly with the same --seed, and differs with another seed', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const lossesWith = async (seed: number) => {
      const result = await runModel({ cwd, rootDir, flags: [`--seed=${seed}`, `--name=seed${seed}`], script: fixture('tiny-train.ts'), scriptArgs: ['--steps', '4'] });
      expect(result.code, result.output).toBe(0);
      const versions = runVersions(rootDir, `seed${seed}`);
      return csvColumn(readCsv(path.join(rootDir, `seed${seed}`, versions.at(-1)!, 'metrics.csv')), 'loss');
    };
    const first = await lossesWith(7);
    const second = await lossesWith(7);
    const other = await lossesWith(8);
    expect(first).toHaveLength(4);
    expect(second).toEqual(first);
    expect(other).not.toEqual(first);
  });
});
