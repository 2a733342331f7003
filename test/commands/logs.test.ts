/**
 * `fabric logs` through the compiled CLI on run directories written by hand (fast: no training);
 * test/e2e/logs.test.ts runs it on real runs. `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, removeTempDirs, runCli } from '../helpers/cli.js';
import { log, makeRun, progress, setStatus, trainedRun } from '../tui/run-dir-fixture.js';

afterAll(() => removeTempDirs());

function fabricLogs(cwd: string, ...args: string[]) {
  return runCli(['logs', ...args], { cwd, timeoutMs: 30_000 });
}

describe('fabric logs (plain, on hand-made runs)', () => {
  it('shows the latest run under ./runs by default, with the tail of rank 0', async () => {
    const cwd = makeTempDir();
    const old = trainedRun(path.join(cwd, 'runs'), 2, { name: 'old' });
    setStatus(old, 'finished', 0);
    const paths = trainedRun(path.join(cwd, 'runs'), 3, { name: 'new' });
    setStatus(paths, 'finished', 0);
    const result = await fabricLogs(cwd);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('Run new/version_0 (runs/new/version_0): finished in 12s');
    expect(result.stdout).toContain('[rank 1] finished  step 3');
    expect(result.stdout).toContain('--- rank 0: last 3 lines of runs/new/version_0/rank_0.log ---');
    expect(result.stdout).toContain('step 3 done');
    expect(result.stdout).not.toContain('\x1b[');
  });

  it('takes a name, --rank and --lines', async () => {
    const cwd = makeTempDir();
    const paths = trainedRun(path.join(cwd, 'runs'), 2, { name: 'spirals' });
    log(paths, 1, 'one', 'two', 'three');
    const result = await fabricLogs(cwd, 'spirals', '--rank', '1', '--lines', '2');
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('--- rank 1: last 2 lines of runs/spirals/version_0/rank_1.log ---\ntwo\nthree');
  });

  it('prints one metric as step<TAB>value, and the CSV table', async () => {
    const cwd = makeTempDir();
    const paths = trainedRun(path.join(cwd, 'runs'), 3);
    fs.writeFileSync(paths.metricsCsv, 'step,loss,acc\n1,1,0.1\n2,0.5,0.2\n3,0.33,0.3\n');
    const metric = await fabricLogs(cwd, '--metric', 'loss');
    expect(metric.stdout.trim().split('\n')).toEqual(['step\tloss', '1\t1', '2\t0.5', `3\t${1 / 3}`]);
    const csv = await fabricLogs(cwd, '--csv');
    expect(csv.stdout).toBe('step,loss,acc\n1,1,0.1\n2,0.5,0.2\n3,0.33,0.3\n');
    const column = await fabricLogs(cwd, '--csv', '--metric', 'acc');
    expect(column.stdout).toBe('step,acc\n1,0.1\n2,0.2\n3,0.3\n');
  });

  it('answers mistakes with exit code 2 and what would work', async () => {
    const cwd = makeTempDir();
    const paths = trainedRun(path.join(cwd, 'runs'), 2);
    setStatus(paths, 'finished', 0);
    const noMetric = await fabricLogs(cwd, '--metric', 'acc');
    expect(noMetric.code).toBe(2);
    expect(normalizeMessage(noMetric.stderr)).toContain("has no metric 'acc' on rank 0. It has loss.");
    const noRank = await fabricLogs(cwd, '--rank', '5');
    expect(noRank.code).toBe(2);
    expect(normalizeMessage(noRank.stderr)).toContain('Pass one of 0, 1 to --rank');
    const noCsv = await fabricLogs(cwd, '--csv');
    expect(noCsv.code).toBe(2);
    expect(normalizeMessage(noCsv.stderr)).toContain('No metrics.csv in');
    const noRun = await fabricLogs(cwd, 'missing');
    expect(noRun.code).toBe(2);
    expect(normalizeMessage(noRun.stderr)).toContain("No run 'missing'");
    expect(noRun.stderr).toContain('runs/fabric/version_0  finished');
    const empty = await fabricLogs(makeTempDir());
    expect(empty.code).toBe(2);
    expect(normalizeMessage(empty.stderr)).toContain('No runs under runs.');
  });

  it('reads --root-dir from FABRIC_ROOT_DIR', async () => {
    const cwd = makeTempDir();
    makeRun(path.join(cwd, 'elsewhere'));
    const result = await runCli(['logs'], { cwd, env: { FABRIC_ROOT_DIR: 'elsewhere' }, timeoutMs: 30_000 });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('elsewhere/fabric/version_0');
  });

  it('shows a failed run with the failing rank and the end of its log', async () => {
    const cwd = makeTempDir();
    const paths = trainedRun(path.join(cwd, 'runs'), 2);
    log(paths, 1, 'Error: injected failure on rank 1 at step 3', '    at train (/x/train.ts:46:15)');
    progress(paths, 1, 2, { loss: 1 }, 'end');
    setStatus(paths, 'failed', 1);
    const result = await fabricLogs(cwd);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('failed after 12s: rank 1 exited with code 1');
    expect(result.stdout).toContain('[rank 0] stopped');
    expect(result.stdout).toContain('[rank 1] failed(1)');
    expect(result.stdout).toContain('--- rank 1 failed: last 2 lines of runs/fabric/version_0/rank_1.log ---\nError: injected failure on rank 1 at step 3\n    at train (/x/train.ts:46:15)');
  });
});
