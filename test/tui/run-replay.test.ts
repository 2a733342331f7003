import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guessFailedRank } from '../../src/tui/run-dir-source.js';
import { RunReplay } from '../../src/tui/run-replay.js';
import { log, makeRun, progress, setStatus, trainedRun } from './run-dir-fixture.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-replay-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

describe('RunReplay', () => {
  it('rebuilds a finished run with its summary', () => {
    const paths = trainedRun(root, 4);
    for (const rank of [0, 1]) progress(paths, rank, 4, { loss: 0.25 + rank }, 'end');
    fs.mkdirSync(path.join(paths.checkpoints, 'step_4'));
    setStatus(paths, 'finished', 0, 30);
    const replay = new RunReplay(paths);
    replay.update();
    const { state } = replay;
    expect(replay.ended).toBe(true);
    expect(state.ranks[0]).toMatchObject({ status: 'finished', step: 4 });
    expect(state.series.loss.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(state.stats.loss.min).toBe(0.25);
    expect(state.logs[0].at(-1)).toBe('step 4 done');
    expect(state.ended).toMatchObject({ status: 'finished', exitCode: 0, seconds: 30, checkpointCount: 1 });
  });

  it('finds the failing rank of a failed run from its log, and calls the torn-down one stopped', () => {
    const paths = trainedRun(root, 3);
    log(paths, 1, 'Error: injected failure on rank 1', '    at train (/x/train.ts:46:15)');
    progress(paths, 1, 3, { loss: 1.3 }, 'end'); // a rank that threw still sends its end record
    setStatus(paths, 'failed', 1);
    const replay = new RunReplay(paths);
    replay.update();
    expect(replay.state.ended).toMatchObject({ status: 'failed', exitCode: 1, failedRank: 1 });
    expect(replay.state.ranks[1]).toMatchObject({ status: 'failed', exitCode: 1 });
    expect(replay.state.ranks[0].status).toBe('stopped');
    expect(guessFailedRank(replay.state, replay.info, paths)).toBe(1);
  });

  it('follows a live run until run.json says it ended', () => {
    const paths = makeRun(root);
    const replay = new RunReplay(paths, 1);
    replay.update();
    expect(replay.ended).toBe(false);
    expect(replay.state.chartRank).toBe(1);
    progress(paths, 1, 1, { loss: 2 });
    replay.update();
    expect(replay.state.ranks[1]).toMatchObject({ status: 'running', step: 1 });
    expect(replay.state.series.loss).toHaveLength(1);
    setStatus(paths, 'interrupted', 130);
    replay.update();
    expect(replay.state.ended?.status).toBe('interrupted');
    expect(replay.state.ranks[1]).toMatchObject({ status: 'stopped', exitCode: 130 });
  });
});
