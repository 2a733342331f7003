import { describe, expect, it } from 'vitest';
import type { RankView } from '../../src/tui/run-store.js';
import { bestText, outcomeText, statusText } from '../../src/tui/status-text.js';
import { endInfo } from './fixtures.js';

const view = (status: RankView['status'], exitCode?: number): RankView => ({ rank: 0, status, step: 0, metrics: {}, exitCode });

describe('status words', () => {
  it("names a rank's status with its exit code when it ended badly", () => {
    expect(statusText(view('running'))).toBe('running');
    expect(statusText(view('finished', 0))).toBe('finished');
    expect(statusText(view('failed', 3))).toBe('failed(3)');
    expect(statusText(view('stopped', 130))).toBe('stopped(130)');
    expect(statusText(view('stopped'))).toBe('stopped');
  });

  it('words every outcome of a run', () => {
    expect(outcomeText(endInfo({ seconds: 75 }))).toBe('finished in 1m15s');
    expect(outcomeText(endInfo({ status: 'interrupted', exitCode: 130, seconds: 5 }))).toBe('interrupted after 5s (exit code 130)');
    expect(outcomeText(endInfo({ status: 'failed', exitCode: 2, seconds: 5 }))).toBe('failed after 5s: exited with code 2');
    expect(outcomeText(endInfo({ status: 'failed', exitCode: 1, failedRank: 3, seconds: 5 }))).toBe('failed after 5s: rank 3 exited with code 1');
  });

  it('gives the best value the way the metric name asks', () => {
    const stats = { last: 2, lastStep: 3, min: 1, minStep: 2, max: 4, maxStep: 1 };
    expect(bestText('val_loss', stats)).toBe('val_loss 1 (min, step 2)');
    expect(bestText('accuracy', stats)).toBe('accuracy 4 (max, step 1)');
    expect(bestText('lr', stats)).toBe('lr min 1 (step 2), max 4 (step 1)');
  });
});
