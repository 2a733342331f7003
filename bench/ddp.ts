/**
 * DDP benchmarks through the real CLI, each as a ratio against an anchor measured in the same run:
 *   ddp-scaling: samples/s of 2 ranks vs 1 (fixed per-rank batch), next to this machine's own parallel ratio
 *                (two single-threaded CPU-bound processes together vs one alone), and the same ratio for the
 *                raw tfjs MLP itself (no communication), which shows how much the workload shares the cores.
 *   launch:      `fabric run model --devices=2` from start to both ranks past their first all-reduce.
 * Usage: node --import tsx bench/ddp.ts [--steps 30] [--runs 3]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '30' }, runs: { type: 'string', default: '3' } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

/** Runs a command; returns its stdout and the ms at which `marker` first appeared. */
function run(command: string, args: string[], marker?: string): Promise<{ out: string; markerMs?: number; totalMs: number }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    let markerMs: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (marker && markerMs === undefined && out.includes(marker)) markerMs = performance.now() - start;
    });
    child.on('close', (code) => (code === 0 ? resolve({ out, markerMs, totalMs: performance.now() - start }) : reject(new Error(`${args.join(' ')} exited ${code}:\n${out}`))));
  });
}

async function machineParallelRatio(): Promise<number> {
  const busy = ['-e', 'let x=0; for (let i=0;i<4e8;i++) x=(x+i*7)%1000003; if (x<0) console.log(x)'];
  const alone = (await run(process.execPath, busy)).totalMs;
  const together = await Promise.all([run(process.execPath, busy), run(process.execPath, busy)]);
  const both = Math.max(...together.map((r) => r.totalMs));
  return (2 * alone) / both;
}

/** The same workload without Fabric or communication: one raw tfjs process alone vs two at once (samples/s summed). */
async function workloadParallelRatio(): Promise<number> {
  const args = ['--import', import.meta.resolve('tsx'), path.join(root, 'bench/scripts/raw-throughput.ts'), values.steps!];
  const rate = (out: string) => Number(out.match(/SAMPLES_PER_SECOND ([\d.]+)/)![1]);
  const alone = rate((await run(process.execPath, args)).out);
  const together = await Promise.all([run(process.execPath, args), run(process.execPath, args)]);
  return (rate(together[0].out) + rate(together[1].out)) / alone;
}

async function samplesPerSecond(devices: number, rootDir: string): Promise<number> {
  const { out } = await run(process.execPath, [path.join(root, 'bin/run.js'), 'run', 'model', `--devices=${devices}`, '--accelerator=cpu', '--loggers=none', `--root-dir=${rootDir}`, path.join(root, 'bench/scripts/ddp-throughput.ts'), '--steps', values.steps!]);
  const match = out.match(/SAMPLES_PER_SECOND ([\d.]+)/);
  if (!match) throw new Error(`no throughput line in:\n${out}`);
  return Number(match[1]);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-ddp-'));
const runs = Number(values.runs);
const one: number[] = [];
const two: number[] = [];
for (let i = 0; i < runs; i++) {
  one.push(await samplesPerSecond(1, tmp));
  two.push(await samplesPerSecond(2, tmp));
}
const machineRatio = await machineParallelRatio();
const workloadRatios: number[] = [];
for (let i = 0; i < runs; i++) workloadRatios.push(await workloadParallelRatio());
const workloadRatio = median(workloadRatios);
const ddpRatio = median(two) / median(one);
console.log(`ddp-scaling: MLP 256-256-256-10, per-rank batch 128, ${values.steps} timed steps, median of ${runs}`);
console.log(`  1 rank     ${median(one).toFixed(0)} samples/s`);
console.log(`  2 ranks    ${median(two).toFixed(0)} samples/s   ratio ${ddpRatio.toFixed(2)}`);
console.log(`  machine    two CPU-bound processes together vs one: ratio ${machineRatio.toFixed(2)}`);
console.log(`  DDP / machine = ${(ddpRatio / machineRatio).toFixed(2)}  (target >= 0.9)`);
console.log(`  same MLP in raw tfjs, two independent processes vs one (no communication): ratio ${workloadRatio.toFixed(2)}`);
console.log(`  DDP / that workload ratio = ${(ddpRatio / workloadRatio).toFixed(2)}  (what communication and Fabric cost)`);

const launch: number[] = [];
for (let i = 0; i < runs; i++) {
  const { markerMs } = await run(process.execPath, [path.join(root, 'bin/run.js'), 'run', 'model', '--devices=2', '--accelerator=cpu', '--loggers=none', `--root-dir=${tmp}`, path.join(root, 'bench/scripts/ddp-throughput.ts'), '--steps', '1'], 'FIRST_ALLREDUCE_DONE');
  launch.push(markerMs!);
}
console.log(`launch: fabric run model --devices=2 to both ranks past the first all-reduce: ${median(launch).toFixed(0)} ms (median of ${runs}; target < 2000 ms; torchrun took ~6300 ms here)`);
fs.rmSync(tmp, { recursive: true, force: true });
