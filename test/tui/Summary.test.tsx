import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { Summary } from '../../src/tui/Summary.js';
import { endInfo, replay, trainingEvents } from './fixtures.js';

describe('Summary', () => {
  it('shows the outcome, final and best metrics, ranks, and where logs, metrics and checkpoints are', () => {
    const summary = endInfo();
    const state = replay([...trainingEvents(4), { type: 'exited', rank: 0, exitCode: 0, signal: null }, { type: 'exited', rank: 1, exitCode: 0, signal: null }, { type: 'ended', summary }]);
    const frame = render(<Summary state={state} summary={summary} cwd="/runs" />).lastFrame()!;
    expect(frame).toContain('Run finished in 1m15s');
    expect(frame).toContain('final (rank 0, step 40) loss=0.5000  acc=0.8000');
    expect(frame).toContain('best loss 0.5000 (min, step 40) · acc 0.8000 (max, step 40)');
    expect(frame).toContain('ranks 0 finished at step 40 · 1 finished at step 40');
    expect(frame).toContain('demo/version_2/rank_0.log');
    expect(frame).toContain('demo/version_2/metrics.csv');
    expect(frame).toContain('demo/version_2/checkpoints (2)');
    expect(frame).not.toContain('fabric resume');
  });

  it('shows the resume command for an interrupted run with a checkpoint, the path relative to the cwd', () => {
    const summary = endInfo({ status: 'interrupted', exitCode: 130, resumable: true });
    const state = replay([...trainingEvents(2), { type: 'ended', summary }]);
    const frame = render(<Summary state={state} summary={summary} cwd="/runs" />).lastFrame()!;
    expect(frame).toContain('continue with fabric resume demo/version_2');
  });

  it("shows the failing rank and the end of its log", () => {
    const summary = endInfo({ status: 'failed', exitCode: 1, failedRank: 1, seconds: 9 });
    const state = replay([
      ...trainingEvents(1),
      { type: 'line', rank: 1, line: 'Error: injected failure' },
      { type: 'line', rank: 1, line: '    at train (/x/train.ts:46:15)' },
      { type: 'exited', rank: 1, exitCode: 1, signal: null },
      { type: 'ended', summary },
    ]);
    const frame = render(<Summary state={state} summary={summary} />).lastFrame()!;
    expect(frame).toContain('Run failed after 9s: rank 1 exited with code 1');
    expect(frame).toContain('last lines of rank 1');
    expect(frame).toContain('Error: injected failure');
    expect(frame).toContain('at train (/x/train.ts:46:15)');
  });
});
