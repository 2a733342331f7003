/**
 * The dashboard under a real pseudo-terminal (node-pty): a real 2-rank training, as a person sees it.
 * The screen is read as text with escape sequences removed; Ink rewrites whole frames, so each frame's
 * lines stay intact. CI is unset in the child (Ink draws only the last frame under CI). `npm run build` first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanEnv, CLI_BIN, eventually, fixture, makeTempDir, removeTempDirs, startCli } from '../helpers/cli.js';

type Pty = typeof import('node-pty');
const nodePty: Pty | undefined = await import('node-pty').catch(() => undefined);

afterAll(() => removeTempDirs());

const strip = (text: string) => text.replace(/\x1b\][^\x07]*\x07/g, '').replace(/\x1b\[[0-9;?<>=]*[A-Za-z]/g, '').replace(/\r/g, '');

interface Session {
  screen(): string;
  raw(): string;
  write(data: string): void;
  resize(columns: number, rows: number): void;
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number>;
}

function startInPty(args: string[], cwd: string, columns = 100, rows = 40): Session {
  const term = nodePty!.spawn(process.execPath, [CLI_BIN, ...args], { name: 'xterm-256color', cols: columns, rows, cwd, env: cleanEnv({ TERM: 'xterm-256color' }) as Record<string, string> });
  let raw = '';
  term.onData((data) => (raw += data));
  // Safety net only: a hung dashboard fails the test instead of hanging it.
  const guard = setTimeout(() => term.kill('SIGKILL'), 120_000);
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => (clearTimeout(guard), resolve(exitCode))));
  let exited = false;
  void exit.then(() => (exited = true));
  return {
    screen: () => strip(raw),
    raw: () => raw,
    write: (data) => term.write(data),
    resize: (c, r) => term.resize(c, r),
    waitFor: async (pattern, timeoutMs = 90_000) => {
      const until = Date.now() + timeoutMs;
      while (!pattern.test(strip(raw))) {
        if (exited || Date.now() > until) throw new Error(`screen never showed ${pattern}:\n${strip(raw).slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    exit,
  };
}

/** Steps rank `rank` showed while running, in the order the frames came. */
function runningSteps(screen: string, rank: number): number[] {
  return [...screen.matchAll(new RegExp(`^${rank}\\s+running\\s+(\\d+)`, 'gm'))].map((m) => Number(m[1]));
}

describe.skipIf(nodePty === undefined)('the dashboard in a real terminal', () => {
  it('shows both ranks, a rising step count, a chart, and the final summary', async () => {
    const cwd = makeTempDir();
    const session = startInPty(['run', 'model', '--root-dir=runs', '--devices=2', '--accelerator=cpu', fixture('ddp-train.ts'), '--steps', '200', '--sleep-ms', '20'], cwd);
    expect(await session.exit).toBe(0);
    const screen = session.screen();
    expect(screen).toContain('tfjs-fabric fabric/version_0');
    expect(screen).toMatch(/2 ranks/);
    for (const rank of [0, 1]) {
      const steps = runningSteps(screen, rank);
      expect(steps.length, `rank ${rank} rows`).toBeGreaterThanOrEqual(2);
      expect(Math.max(...steps)).toBeGreaterThan(steps[0]);
      expect(screen).toMatch(new RegExp(`^${rank}\\s+finished\\s+200`, 'm'));
    }
    expect(screen).toMatch(/^loss \(1\/1\)/m);
    expect(screen).toMatch(/\d ┤/);
    expect(screen).toMatch(/[╭╮╰╯─]/);
    expect(screen).toMatch(/steps\/s [▁▂▃▄▅▆▇█]+/);
    const last = screen.slice(screen.lastIndexOf('tfjs-fabric fabric/version_0'));
    expect(last).toMatch(/Run finished in \d+s/);
    expect(last).toMatch(/final \(rank 0, step 200\) loss=/);
    expect(last).toContain('runs/fabric/version_0/rank_0.log');
    expect(last).toContain('runs/fabric/version_0/metrics.csv');
  });

  it('stops gracefully on q, redraws after a resize, and leaves the terminal usable', async () => {
    const cwd = makeTempDir();
    const session = startInPty(['run', 'model', '--root-dir=runs', '--devices=2', '--accelerator=cpu', fixture('ddp-train.ts'), '--steps', '100000', '--sleep-ms', '20'], cwd);
    await session.waitFor(/^0\s+running\s+[1-9]/m);
    session.resize(72, 30);
    await session.waitFor(/^1\s+running\s+[1-9]/m);
    session.write('?');
    await session.waitFor(/stop the run gracefully/);
    session.write('q');
    expect(await session.exit).toBe(130);
    const screen = session.screen();
    expect(screen).toContain('SIGINT received; asking the ranks to stop');
    const last = screen.slice(screen.lastIndexOf('tfjs-fabric fabric/version_0'));
    expect(last).toMatch(/Run interrupted after \d+s \(exit code 130\)/);
    for (const line of last.split('\n')) expect(line.length).toBeLessThanOrEqual(72);
    // The cursor Ink hid is shown again.
    expect(session.raw().lastIndexOf('\x1b[?25h')).toBeGreaterThan(session.raw().lastIndexOf('\x1b[?25l'));
    const info = JSON.parse(fs.readFileSync(path.join(cwd, 'runs/fabric/version_0/run.json'), 'utf8')) as { status: string };
    expect(info.status).toBe('interrupted');
  });

  it('fabric logs draws the same dashboard, read-only, for a finished run', async () => {
    const cwd = makeTempDir();
    const run = startInPty(['run', 'model', '--root-dir=runs', '--no-tui', '--accelerator=cpu', fixture('tiny-train.ts'), '--steps', '5'], cwd);
    expect(await run.exit).toBe(0);
    expect(run.screen()).toContain('[rank 0] finished at step 5');
    expect(run.screen()).not.toMatch(/┤/);
    const logs = startInPty(['logs'], cwd);
    expect(await logs.exit).toBe(0);
    const screen = logs.screen();
    expect(screen).toMatch(/^0\s+finished\s+5/m);
    expect(screen).toMatch(/Run finished in \d+s/);
    expect(screen).not.toContain('? keys');
  });

  it('fabric logs --follow shows a live run from another terminal; q leaves the viewer, not the run', async () => {
    const cwd = makeTempDir();
    const live = startCli(['run', 'model', '--root-dir=runs', '--devices=2', '--accelerator=cpu', fixture('ddp-train.ts'), '--steps', '100000', '--sleep-ms', '20'], { cwd, timeoutMs: 120_000 });
    const progress = path.join(cwd, 'runs/fabric/version_0/progress.jsonl');
    expect(await eventually(() => fs.existsSync(progress) && fs.readFileSync(progress, 'utf8').includes('"rank":1'), 60_000)).toBe(true);
    const viewer = startInPty(['logs', '--follow'], cwd);
    await viewer.waitFor(/^1\s+running\s+[1-9]/m);
    await viewer.waitFor(/q quit/);
    viewer.write('q');
    expect(await viewer.exit).toBe(0);
    expect(live.child.exitCode).toBeNull();
    live.child.kill('SIGINT');
    const run = await live.done;
    expect(run.stdout).toContain('SIGINT received');
  });
});
