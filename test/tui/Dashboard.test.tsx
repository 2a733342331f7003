import { render } from 'ink-testing-library';
import { describe, expect, it, vi } from 'vitest';
import { Dashboard } from '../../src/tui/Dashboard.js';
import type { RunState } from '../../src/tui/run-store.js';
import { endInfo, replay, T0, trainingEvents } from './fixtures.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 20));

function running(): RunState {
  return replay([
    ...trainingEvents(20),
    { type: 'line', rank: 0, line: 'rank zero says hi' },
    { type: 'line', rank: 1, line: 'rank one says hi' },
    { type: 'notice', text: 'tfjs-fabric: warning: --insecure' },
  ]);
}

function view(state: RunState, props: Partial<Parameters<typeof Dashboard>[0]> = {}) {
  return render(<Dashboard state={state} now={T0 + 5000} columns={100} rows={30} onStop={() => {}} {...props} />);
}

describe('Dashboard', () => {
  it('shows header, both ranks, the chart, the live rank log, the key line and notices, within the screen', () => {
    const frame = view(running()).lastFrame()!;
    expect(frame).toContain('demo/version_2');
    expect(frame).toMatch(/^0\s+running\s+200/m);
    expect(frame).toMatch(/^1\s+running\s+200/m);
    expect(frame).toContain('loss (1/2');
    expect(frame).toMatch(/[┤┼]/);
    expect(frame).toContain('log rank 0');
    expect(frame).toContain('rank zero says hi');
    expect(frame).toContain('? keys');
    expect(frame).toContain('--insecure');
    expect(frame.split('\n').length).toBeLessThan(30);
  });

  it('switches metric with m and arrows, rank with tab and digits, and shows help with ?', async () => {
    const ui = view(running());
    // Keys go through Ink's input parser (escape sequences may wait a moment): poll for the frame.
    const press = async (key: string, expected: string, absent = false) => {
      ui.stdin.write(key);
      const until = Date.now() + 2000;
      while (ui.lastFrame()!.includes(expected) === absent && Date.now() < until) await tick();
      if (absent) expect(ui.lastFrame()).not.toContain(expected);
      else expect(ui.lastFrame()).toContain(expected);
    };
    await press('m', 'acc (2/2');
    await press('\x1b[D', 'loss (1/2'); // left arrow
    await press('\t', 'rank one says hi');
    await press('0', 'rank zero says hi');
    await press('?', 'stop the run gracefully');
    await press('?', 'stop the run gracefully', true);
  });

  it('stops the run with q and with Ctrl+C', async () => {
    const onStop = vi.fn();
    const ui = view(running(), { onStop });
    ui.stdin.write('q');
    await tick();
    ui.stdin.write('\x03');
    await tick();
    expect(onStop).toHaveBeenCalledTimes(2);
  });

  it('starts on the metric and rank asked for', () => {
    const frame = view(running(), { initialMetric: 'acc', initialRank: 1 }).lastFrame()!;
    expect(frame).toContain('acc (2/2');
    expect(frame).toContain('rank one says hi');
  });

  it('ends with the summary instead of the log pane', () => {
    const ended = replay([{ type: 'exited', rank: 0, exitCode: 0, signal: null }, { type: 'exited', rank: 1, exitCode: 0, signal: null }, { type: 'ended', summary: endInfo() }], running());
    const frame = view(ended).lastFrame()!;
    expect(frame).toContain('Run finished in 1m15s');
    expect(frame).toMatch(/^0\s+finished\s+200/m);
    expect(frame).not.toContain('log rank');
    expect(frame).not.toContain('? keys');
  });

  it('lays out again for a smaller screen', () => {
    const ui = view(running());
    const tall = ui.lastFrame()!.split('\n').length;
    ui.rerender(<Dashboard state={running()} now={T0 + 5000} columns={60} rows={20} onStop={() => {}} />);
    const small = ui.lastFrame()!;
    expect(small.split('\n').length).toBeLessThan(tall);
    expect(small.split('\n').length).toBeLessThan(20);
    for (const line of small.split('\n')) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('takes no keys and shows no key line as a snapshot (no onStop)', () => {
    const frame = view(running(), { onStop: undefined, readOnly: true }).lastFrame()!;
    expect(frame).not.toContain('? keys');
  });
});
