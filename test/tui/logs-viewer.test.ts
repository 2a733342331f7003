import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { showRunDashboard } from '../../src/tui/logs-viewer.js';
import { RunReplay } from '../../src/tui/run-replay.js';
import { FakeStdin, FakeStdout } from './fake-terminal.js';
import { progress, setStatus, trainedRun } from './run-dir-fixture.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-viewer-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function terminal() {
  const stdout = new FakeStdout();
  const stdin = new FakeStdin();
  return { stdout, stdin, streams: { stdout: stdout as unknown as NodeJS.WriteStream, stdin: stdin as unknown as NodeJS.ReadStream } };
}

describe('showRunDashboard', () => {
  it('draws a finished run once, with its summary, and returns', async () => {
    const paths = trainedRun(path.join(root, 'done'), 3);
    setStatus(paths, 'finished', 0);
    const replay = new RunReplay(paths);
    replay.update();
    const { stdout, streams } = terminal();
    await showRunDashboard({ replay, follow: false, ...streams });
    expect(stdout.text).toContain('Run finished in 12s');
    expect(stdout.text).toMatch(/^1\s+finished\s+3/m);
    expect(stdout.text).not.toContain('? keys');
  });

  it('follows a live run until it ends', async () => {
    const paths = trainedRun(path.join(root, 'live'), 2);
    const replay = new RunReplay(paths);
    replay.update();
    const { stdout, streams } = terminal();
    const shown = showRunDashboard({ replay, follow: true, pollMs: 20, metric: 'loss', ...streams });
    await new Promise((resolve) => setTimeout(resolve, 60));
    for (const rank of [0, 1]) progress(paths, rank, 3, { loss: 0.1 }, 'end');
    setStatus(paths, 'finished', 0);
    await shown;
    expect(stdout.text).toContain('Run finished in 12s');
    expect(stdout.text).toMatch(/^0\s+finished\s+3/m);
  });

  it('leaves on q while the run goes on', async () => {
    const paths = trainedRun(path.join(root, 'quit'), 2);
    const replay = new RunReplay(paths);
    replay.update();
    const { stdin, streams } = terminal();
    const shown = showRunDashboard({ replay, follow: true, pollMs: 20, ...streams });
    await new Promise((resolve) => setTimeout(resolve, 60));
    stdin.press('q');
    await shown;
    expect(replay.ended).toBe(false);
  });
});
