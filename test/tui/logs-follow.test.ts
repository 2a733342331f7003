import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { followPlain } from '../../src/tui/logs-follow.js';
import { RunReplay } from '../../src/tui/run-replay.js';
import { log, makeRun, progress, setStatus } from './run-dir-fixture.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-follow-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const tick = (ms = 40) => new Promise((resolve) => setTimeout(resolve, ms));

describe('followPlain', () => {
  it('prints new log lines of the followed rank and progress of every rank until the run ends', async () => {
    const paths = makeRun(root);
    log(paths, 0, 'before following');
    const out: string[] = [];
    const done = followPlain(new RunReplay(paths), { rank: 0, progressIntervalSec: 0, pollMs: 10, cwd: root }, (l) => out.push(l));
    await tick();
    expect(out[0]).toMatch(/^Run fabric\/version_0 .*: running for/);
    expect(out).toContain('before following');
    progress(paths, 0, 1, { loss: 0.5 });
    progress(paths, 1, 1, { loss: 0.7 });
    log(paths, 0, 'hello');
    log(paths, 1, 'not followed');
    progress(paths, 1, 1, { stalled: 1 }, 'heartbeat');
    await tick();
    expect(out).toContain('[rank 0] step 1  loss=0.5000  10.0 steps/s');
    expect(out).toContain('[rank 1] step 1  loss=0.7000  10.0 steps/s');
    expect(out).toContain('[rank 0] hello');
    expect(out.some((l) => l.startsWith('[rank 1] stalled at step 1'))).toBe(true);
    expect(out.join('\n')).not.toContain('not followed');
    log(paths, 1, 'Error: boom');
    setStatus(paths, 'failed', 1);
    await done;
    const tail = out.slice(out.indexOf(''));
    expect(tail[1]).toContain('failed after 12s: rank 1 exited with code 1');
    expect(tail).toContain('Error: boom');
  });

  it('prints only new values of one metric with --metric', async () => {
    const paths = makeRun(root);
    progress(paths, 0, 1, { loss: 0.5 });
    const out: string[] = [];
    const done = followPlain(new RunReplay(paths), { rank: 0, metric: 'loss', progressIntervalSec: 0, pollMs: 10 }, (l) => out.push(l));
    await tick();
    progress(paths, 0, 2, { loss: 0.25 });
    await tick();
    setStatus(paths, 'finished', 0);
    await done;
    expect(out).toEqual(['step\tloss', '1\t0.5', '2\t0.25']);
  });
});
