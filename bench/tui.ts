/**
 * Rank throughput with the live dashboard (in a real pseudo-terminal, node-pty) against `--no-tui`
 * (plain lines into a pipe): same script, same run length, runs interleaved, medians compared.
 * Every rank prints a line and logs its loss each step, so the launcher has plenty to show. Also prints the
 * launcher's own CPU time in both modes (steadier than throughput on a busy machine).
 * Usage: node --import tsx bench/tui.ts [--steps 150] [--rounds 5] [--devices 2]   (after npm run build)
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '150' }, rounds: { type: 'string', default: '5' }, devices: { type: 'string', default: '2' } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-tui-'));
const env = { ...process.env, NODE_ENV: 'production', TERM: 'xterm-256color' } as Record<string, string>;
delete env.CI;

function cliArgs(name: string, extra: string[]): string[] {
  const script = path.join(root, 'bench/scripts/tui-throughput.ts');
  return [path.join(root, 'bin/run.js'), 'run', 'model', `--devices=${values.devices}`, '--accelerator=cpu', '--loggers=csv', `--root-dir=${tmp}`, `--name=${name}`, ...extra, script, '--steps', values.steps!];
}

/** Mean of the ranks' own timed steps/s, read from their logs (what they measured, not what the screen showed). */
function rankThroughput(name: string): number {
  const dir = path.join(tmp, name, 'version_0');
  const rates = fs.readdirSync(dir).filter((f) => /^rank_\d+\.log$/.test(f)).map((f) => {
    const match = /STEPS_PER_SECOND ([\d.]+)/.exec(fs.readFileSync(path.join(dir, f), 'utf8'));
    if (!match) throw new Error(`no STEPS_PER_SECOND in ${path.join(dir, f)}`);
    return Number(match[1]);
  });
  return rates.reduce((a, b) => a + b, 0) / rates.length;
}

/** CPU seconds (user + system) a process has used so far, from /proc; sampled until it exits. */
function watchCpu(pid: number): () => number {
  const ticks = 100; // USER_HZ on Linux
  let last = 0;
  const sample = () => {
    try {
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      last = (Number(fields[11]) + Number(fields[12])) / ticks;
    } catch {
      // gone: keep the last sample
    }
  };
  const timer = setInterval(sample, 100);
  return () => {
    clearInterval(timer);
    return last;
  };
}

interface Measured {
  rate: number;
  bytes: number;
  launcherCpu: number;
}

async function withDashboard(name: string): Promise<Measured> {
  const pty = await import('node-pty');
  const term = pty.spawn(process.execPath, cliArgs(name, []), { name: 'xterm-256color', cols: 120, rows: 40, cwd: root, env });
  const cpu = watchCpu(term.pid);
  let bytes = 0;
  term.onData((data) => (bytes += data.length));
  const code = await new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const launcherCpu = cpu();
  if (code !== 0) throw new Error(`dashboard run exited ${code}`);
  return { rate: rankThroughput(name), bytes, launcherCpu };
}

async function plain(name: string): Promise<Measured> {
  const child = spawn(process.execPath, cliArgs(name, ['--no-tui']), { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const cpu = watchCpu(child.pid!);
  let bytes = 0;
  child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const launcherCpu = cpu();
  if (code !== 0) throw new Error(`plain run exited ${code}`);
  return { rate: rankThroughput(name), bytes, launcherCpu };
}

const rounds = Number(values.rounds);
const tui: number[] = [];
const noTui: number[] = [];
const tuiCpu: number[] = [];
const noTuiCpu: number[] = [];
let tuiBytes = 0;
for (let r = 0; r < rounds; r++) {
  // Alternate which goes first so warm caches and machine noise hit both alike.
  const order = r % 2 === 0 ? ['tui', 'plain'] : ['plain', 'tui'];
  for (const kind of order) {
    if (kind === 'tui') {
      const result = await withDashboard(`tui-${r}`);
      tui.push(result.rate);
      tuiCpu.push(result.launcherCpu);
      tuiBytes = result.bytes;
    } else {
      const result = await plain(`plain-${r}`);
      noTui.push(result.rate);
      noTuiCpu.push(result.launcherCpu);
    }
  }
}
fs.rmSync(tmp, { recursive: true, force: true });
const ratio = median(tui) / median(noTui);
console.log(`tui: rank throughput with the dashboard vs --no-tui, ${values.devices} ranks, ${values.steps} timed steps, a printed line per rank per step, median of ${rounds}`);
console.log(`  --no-tui (pipe)       ${median(noTui).toFixed(1)} steps/s per rank  (rounds: ${noTui.map((v) => v.toFixed(1)).join(', ')})`);
console.log(`  dashboard (node-pty)  ${median(tui).toFixed(1)} steps/s per rank  (rounds: ${tui.map((v) => v.toFixed(1)).join(', ')}; ${(tuiBytes / 1024).toFixed(0)} KiB drawn in the last run)`);
console.log(`  ratio dashboard/plain ${ratio.toFixed(3)}  (${((1 - ratio) * 100).toFixed(1)}% slower; target <= 2%)`);
console.log(`  launcher CPU          ${median(noTuiCpu).toFixed(2)} s plain, ${median(tuiCpu).toFixed(2)} s with the dashboard (median per run)`);
