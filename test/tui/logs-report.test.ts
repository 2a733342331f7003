import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumns, logTailLines, metricTable, overviewLines } from '../../src/tui/logs-report.js';
import { RunReplay } from '../../src/tui/run-replay.js';
import { log, progress, setStatus, START, trainedRun } from './run-dir-fixture.js';

const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-report-')));
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

describe('plain report of a run', () => {
  it('gives outcome, setup, each rank and best values of a finished run', () => {
    const paths = trainedRun(path.join(cwd, 'runs'), 4);
    setStatus(paths, 'finished', 0, 75);
    const replay = new RunReplay(paths);
    replay.update();
    const lines = overviewLines(replay.state, replay.info, START, cwd);
    expect(lines[0]).toBe('Run fabric/version_0 (runs/fabric/version_0): finished in 1m15s');
    expect(lines[1]).toContain('script runs/train.ts · 2 ranks · accelerator cpu · strategy ddp · precision 32-true');
    expect(lines[2]).toBe('  [rank 0] finished  step 4  loss=0.2500  10.0 steps/s');
    expect(lines[3]).toBe('  [rank 1] finished  step 4  loss=1.2500  10.0 steps/s');
    expect(lines[4]).toBe('  best (rank 0): loss 0.2500 (min, step 4)');
    expect(lines[5]).toBe('  metrics runs/fabric/version_0/metrics.csv · checkpoints runs/fabric/version_0/checkpoints (0)');
  });

  it('says how long a live run has been going', () => {
    const paths = trainedRun(path.join(cwd, 'live'), 2);
    const replay = new RunReplay(paths);
    replay.update();
    expect(overviewLines(replay.state, replay.info, START + 61_000, cwd)[0]).toMatch(/: running for 1m01s$/);
  });

  it('titles a log tail with its file, and says when it is empty', () => {
    expect(logTailLines(1, ['a', 'b', 'c'], '/r/rank_1.log', 2, '/', ' failed')).toEqual(['--- rank 1 failed: last 2 lines of r/rank_1.log ---', 'b', 'c']);
    expect(logTailLines(0, [], '/r/rank_0.log', 5, '/x')).toEqual(['--- rank 0: /r/rank_0.log is empty ---']);
  });

  it('prints a metric as step<TAB>value and picks CSV columns', () => {
    expect(metricTable('loss', [{ step: 1, value: 0.5 }, { step: 2, value: NaN }])).toEqual(['step\tloss', '1\t0.5', '2\tNaN']);
    const csv = 'step,loss,acc\n1,0.5,0.1\n2,0.4,0.2\n';
    expect(csvColumns(csv, undefined).lines).toEqual(['step,loss,acc', '1,0.5,0.1', '2,0.4,0.2']);
    expect(csvColumns(csv, 'acc').lines).toEqual(['step,acc', '1,0.1', '2,0.2']);
    expect(csvColumns(csv, 'nope').missing).toEqual(['loss', 'acc']);
  });

  it('uses the live lines it keeps for a failed rank', () => {
    const paths = trainedRun(path.join(cwd, 'failed'), 2);
    log(paths, 1, 'Error: boom');
    progress(paths, 0, 3, { loss: 0.1 });
    setStatus(paths, 'failed', 1);
    const replay = new RunReplay(paths);
    replay.update();
    expect(overviewLines(replay.state, replay.info, START, cwd)[0]).toContain('failed after 12s: rank 1 exited with code 1');
  });
});
