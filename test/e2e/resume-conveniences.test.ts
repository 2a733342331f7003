/**
 * `fabric resume` conveniences through the real CLI: no argument means the latest run, a run's checkpoints/ folder
 * means its newest checkpoint, the usage line names the argument, and a run that stopped with a checkpoint says
 * how to resume it. The script is tiny: one checkpoint, then an error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { stateFileText } from '../../src/checkpoint/checkpoint-files.js';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli, runModel } from '../helpers/cli.js';

afterAll(removeTempDirs);

const script = fixture('checkpoint-then-fail.ts');

/** A failed run `runs/<name>/version_0` under `cwd`, with a checkpoint step_0 unless `save` is false. */
async function failedRun(cwd: string, name: string, save = true): Promise<string> {
  const result = await runModel({ cwd, rootDir: 'runs', flags: [`--name=${name}`, '--no-tui'], script, scriptArgs: save ? [] : ['--no-save'] });
  expect(result.code, result.output).not.toBe(0);
  return path.join(cwd, 'runs', name, 'version_0');
}

describe('fabric resume conveniences', () => {
  it('prints the exact resume command when a run with a checkpoint stops, and none without one', async () => {
    const cwd = makeTempDir();
    const saved = await runModel({ cwd, rootDir: 'runs', flags: ['--name=r', '--no-tui'], script });
    expect(saved.stdout).toContain('tfjs-fabric: continue from the latest checkpoint with: fabric resume runs/r/version_0');
    const unsaved = await runModel({ cwd, rootDir: 'runs', flags: ['--name=n', '--no-tui'], script, scriptArgs: ['--no-save'] });
    expect(unsaved.code).not.toBe(0);
    expect(unsaved.output).not.toContain('fabric resume');
  });

  it('resumes the latest run when given no argument, and says which run it picked', async () => {
    const cwd = makeTempDir();
    const none = await runCli(['resume', '--no-tui'], { cwd });
    expect(none.code).toBe(2);
    expect(normalizeMessage(none.stderr)).toContain('No run to resume: runs holds no run directory');

    const runDir = await failedRun(cwd, 'r');
    const resumed = await runCli(['resume', '--no-tui'], { cwd });
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.stderr).toContain(`tfjs-fabric: resuming ${runDir} (the latest run under runs; pass a run or checkpoint directory to pick another)`);
    expect(resumed.stdout).toContain('resumed from step_0');

    await failedRun(cwd, 'empty', false);
    const empty = await runCli(['resume', '--no-tui'], { cwd });
    expect(empty.code).toBe(2);
    expect(normalizeMessage(empty.stderr)).toContain(`Run '${path.join(cwd, 'runs', 'empty', 'version_0')}' has no checkpoint in`);
  });

  it("takes a run's checkpoints/ folder as its newest complete checkpoint", async () => {
    const cwd = makeTempDir();
    const checkpoints = path.join(await failedRun(cwd, 'r'), 'checkpoints');
    // A newer checkpoint (global step 7), and a save in progress (a temp dir) that must be passed over.
    const newer = path.join(checkpoints, 'step_7');
    fs.cpSync(path.join(checkpoints, 'step_0'), newer, { recursive: true });
    const state = JSON.parse(fs.readFileSync(path.join(newer, 'state.json'), 'utf8'));
    state.fabric.globalStep = 7;
    fs.writeFileSync(path.join(newer, 'state.json'), stateFileText(state));
    fs.cpSync(newer, path.join(checkpoints, 'step_9.tmp-123'), { recursive: true });

    const resumed = await runCli(['resume', '--no-tui', 'runs/r/version_0/checkpoints'], { cwd });
    expect(resumed.code, resumed.output).toBe(0);
    expect(resumed.stdout).toContain('resumed from step_7');
  });

  it('shows the optional argument in its usage line, and names a fixed flag once', async () => {
    const cwd = makeTempDir();
    const help = await runCli(['resume', '--help'], { cwd });
    expect(help.stdout).toContain('$ fabric resume [TARGET');
    const runDir = await failedRun(cwd, 'r');
    const renamed = await runCli(['resume', '--name=other', runDir], { cwd });
    expect(renamed.code).toBe(2);
    expect(normalizeMessage(renamed.stderr)).toContain('--name cannot change on resume');
    const fromEnv = await runCli(['resume', runDir], { cwd, env: { FABRIC_NAME: 'other' } });
    expect(normalizeMessage(fromEnv.stderr)).toContain('--name (set by FABRIC_NAME) cannot change on resume');
  });
});
