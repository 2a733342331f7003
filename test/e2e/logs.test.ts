/**
 * `fabric logs` on real runs made by `fabric run model`: finished, failed, and live (--follow from
 * "another terminal" while the run goes). `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, fixture, makeTempDir, removeTempDirs, runCli, runModel, startCli } from '../helpers/cli.js';

afterAll(() => removeTempDirs());

describe('fabric logs on real runs', () => {
  it('shows a finished run: outcome, final metrics, best values, log tail, and its CSV', async () => {
    const root = makeTempDir();
    const run = await runModel({ cwd: root, rootDir: 'runs', flags: ['--accelerator=cpu'], script: fixture('tiny-train.ts'), scriptArgs: ['--steps', '5'] });
    expect(run.code, run.output).toBe(0);
    const result = await runCli(['logs'], { cwd: root });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/^Run fabric\/version_0 \(runs\/fabric\/version_0\): finished in \d+s$/m);
    expect(result.stdout).toMatch(/\[rank 0\] finished {2}step 5 {2}loss=/);
    expect(result.stdout).toMatch(/best \(rank 0\): loss \S+ \(min, step \d\)/);
    expect(result.stdout).toContain('--- rank 0: last');
    expect(result.stdout).toContain('finished at step 5');
    const csv = await runCli(['logs', '--csv', 'fabric'], { cwd: root });
    expect(csv.code, csv.output).toBe(0);
    expect(csv.stdout).toBe(fs.readFileSync(path.join(root, 'runs/fabric/version_0/metrics.csv'), 'utf8'));
  });

  it("shows a failed run with the failing rank's error and stack", async () => {
    const root = makeTempDir();
    const run = await runModel({ cwd: root, rootDir: 'runs', flags: ['--devices=2', '--accelerator=cpu', '--name=broken'], script: fixture('ddp-train.ts'), scriptArgs: ['--fail-rank', '1', '--fail-at', '3', '--steps', '1000', '--sleep-ms', '20'], timeoutMs: 90_000 });
    expect(run.code).toBe(1);
    const result = await runCli(['logs', 'broken'], { cwd: root });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/: failed after \d+s: rank 1 exited with code 1$/m);
    expect(result.stdout).toContain('[rank 1] failed(1)');
    expect(result.stdout).toContain('--- rank 1 failed: last');
    expect(result.stdout).toContain('Error: injected failure on rank 1 at step 3');
    expect(result.stdout).toMatch(/at train \(.*ddp-train\.ts:\d+:\d+\)/);
  });

  it('follows a live run from another terminal until it ends', async () => {
    const root = makeTempDir();
    const live = startCli(['run', 'model', '--root-dir=runs', '--devices=2', '--accelerator=cpu', '--progress-interval=1', fixture('ddp-train.ts'), '--steps', '250', '--sleep-ms', '20'], { cwd: root, timeoutMs: 90_000 });
    const progress = path.join(root, 'runs/fabric/version_0/progress.jsonl');
    expect(await eventually(() => fs.existsSync(progress) && fs.readFileSync(progress, 'utf8').includes('"rank":1'), 60_000)).toBe(true);

    const snapshot = await runCli(['logs', '--plain'], { cwd: root });
    expect(snapshot.code, snapshot.output).toBe(0);
    expect(snapshot.stdout).toMatch(/: running for \d+s$/m);

    const follow = await runCli(['logs', '--follow'], { cwd: root, timeoutMs: 90_000 });
    const run = await live.done;
    expect(run.code, run.output).toBe(0);
    expect(follow.code, follow.output).toBe(0);
    const lines = follow.stdout.split('\n');
    expect(lines[0]).toMatch(/: running for \d+s$/);
    const steps = lines.map((l) => /^\[rank 0\] step (\d+)/.exec(l)).filter((m) => m !== null).map((m) => Number(m[1]));
    expect(steps.length).toBeGreaterThanOrEqual(2);
    expect(steps.at(-1)).toBeGreaterThan(steps[0]);
    expect(steps.at(-1)).toBe(250);
    expect(follow.stdout).toContain('[rank 1] step 250');
    expect(follow.stdout).toContain('[rank 0] rank done at step 250');
    expect(follow.stdout).toMatch(/^Run fabric\/version_0 .*: finished in \d+s$/m);
  });
});
