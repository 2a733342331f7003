/**
 * Stopping a run from outside: SIGTERM to the CLI stops the rank gracefully (metrics flushed, nothing left
 * running); SIGKILL to the CLI leaves the rank without its launcher, and it must notice and exit by itself.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { csvColumn, eventually, fixture, isAlive, makeTempDir, readCsv, removeTempDirs, STACK_FRAME, startCli } from '../helpers/cli.js';

/** Rank pids a test started, killed afterwards in case an assertion failed while they still ran. */
const rankPids: number[] = [];
afterEach(() => {
  for (const pid of rankPids.splice(0)) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
});
afterAll(removeTempDirs);

/** Starts slow-logger with a flush interval far beyond the run, waits until a few rows were logged; returns the CLI and the rank's pid. */
async function startSlowLogger() {
  const cwd = makeTempDir();
  const rootDir = path.join(cwd, 'runs');
  const cli = startCli(['run', 'model', `--root-dir=${rootDir}`, '--flush-logs-every-n-steps=100000', fixture('slow-logger.ts')], { cwd });
  const [, pid] = await cli.waitFor(/^\[rank 0\] PID (\d+)$/m);
  const rankPid = Number(pid);
  rankPids.push(rankPid);
  await cli.waitFor(/^\[rank 0\] LOGGED 5$/m);
  return { cli, rankPid, run: path.join(rootDir, 'fabric', 'version_0') };
}

/** The step column must be 1..k without gaps, k >= minimum. */
function expectFlushedSteps(run: string, minimum: number): void {
  const steps = csvColumn(readCsv(path.join(run, 'metrics.csv')), 'step').map(Number);
  expect(steps.length).toBeGreaterThanOrEqual(minimum);
  expect(steps).toEqual(steps.map((_, i) => i + 1));
}

describe('signals', () => {
  it('SIGTERM to the CLI: exits 143, metrics logged so far are on disk, no rank process left', async () => {
    const { cli, rankPid, run } = await startSlowLogger();
    expect(isAlive(rankPid)).toBe(true);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.output).toBe(143);
    expect(await eventually(() => !isAlive(rankPid), 2_000), `rank ${rankPid} still running after the CLI exited`).toBe(true);
    expectFlushedSteps(run, 5);
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')) as { status: string; exitCode: number };
    expect(info).toMatchObject({ status: 'interrupted', exitCode: 143 });
    expect(result.output).not.toMatch(STACK_FRAME);
  });

  it('SIGTERM stops a training loop that never yields to the event loop (a plain tiny-train loop)', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const totalSteps = 10_000;
    const cli = startCli(
      ['run', 'model', `--root-dir=${rootDir}`, '--flush-logs-every-n-steps=100000', '--progress-interval=0.1', fixture('tiny-train.ts'), '--steps', String(totalSteps)],
      { cwd, timeoutMs: 55_000 },
    );
    await cli.waitFor(/^\[rank 0\] step \d+/m);
    cli.child.kill('SIGTERM');
    const result = await cli.done;
    expect(result.code, result.output).toBe(143);
    expect(result.stdout, 'the loop ran to the end instead of stopping on SIGTERM').not.toContain(`finished at step ${totalSteps}`);
    const run = path.join(rootDir, 'fabric', 'version_0');
    const steps = csvColumn(readCsv(path.join(run, 'metrics.csv')), 'step').map(Number);
    expect(steps.length).toBeGreaterThan(0);
    expect(steps.at(-1)).toBeLessThan(totalSteps);
    expect(steps).toEqual(steps.map((_, i) => i + 1));
  });

  it('SIGKILL to the CLI: the rank notices its launcher is gone, flushes and exits by itself within 5 s', async () => {
    const { cli, rankPid, run } = await startSlowLogger();
    cli.child.kill('SIGKILL');
    const result = await cli.done;
    expect(result.signal).toBe('SIGKILL');
    expect(await eventually(() => !isAlive(rankPid), 5_000), `rank ${rankPid} outlived its launcher by more than 5 s`).toBe(true);
    expectFlushedSteps(run, 5);
  });
});
