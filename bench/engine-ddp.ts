/**
 * DDP on tfjs-node (issue 14): the MLP through the real CLI at 2 ranks x 1 thread against 1 rank x 1 thread and
 * 1 rank x 2 threads, in samples/s, beside the machine's own 2-process ratio: two independent single-thread raw
 * tfjs-node processes on the same MLP against one (what 2 ranks could reach with free communication).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { median, medianRange } from './engine-stats.js';

const TARGET = 0.9;

function run(root: string, args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NODE_ENV: 'production', TF_CPP_MIN_LOG_LEVEL: '2', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} exited ${code}:\n${out.slice(-3000)}`))));
  });
}

const threadEnv = (threads: number) => ({ TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads), FABRIC_TFJS_BACKEND: 'tensorflow' });

async function ddpSamples(root: string, tmp: string, devices: number, threads: number, steps: number): Promise<number> {
  const out = await run(root, [path.join(root, 'bin/run.js'), 'run', 'model', `--devices=${devices}`, '--accelerator=cpu', '--loggers=none', `--root-dir=${tmp}`, path.join(root, 'bench/scripts/engine-ddp-steps.ts'), '--steps', String(steps)], threadEnv(threads));
  const match = out.match(/SAMPLES_PER_SECOND ([\d.]+) BACKEND (\S+)/);
  if (!match) throw new Error(`no throughput line in:\n${out.slice(-3000)}`);
  if (match[2] !== 'tensorflow') throw new Error(`the ranks ran on '${match[2]}', not tfjs-node`);
  return Number(match[1]);
}

/** Samples/s of one raw single-thread tfjs-node MLP process, alone and as two at once (summed). */
async function rawSamples(root: string, processes: number, steps: number): Promise<number> {
  const args = ['--import', import.meta.resolve('tsx'), path.join(root, 'bench/scripts/engine-steps.ts'), 'mlp', 'native-raw', '5', String(steps)];
  const outs = await Promise.all(Array.from({ length: processes }, () => run(root, args, threadEnv(1))));
  return outs.reduce((sum, out) => sum + 128 * (JSON.parse(out.split('\n').find((l) => l.startsWith('ENGINE_RESULT '))!.slice(14)) as { stepsPerSecond: number }).stepsPerSecond, 0);
}

export async function benchDdp(root: string, rounds: number, steps = 60): Promise<Record<string, number[]>> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-ddp-native-'));
  const r: Record<string, number[]> = { oneByOne: [], oneByTwo: [], twoByOne: [], rawOne: [], rawTwo: [] };
  try {
    for (let i = 0; i < rounds; i++) {
      r.oneByOne!.push(await ddpSamples(root, tmp, 1, 1, steps));
      r.twoByOne!.push(await ddpSamples(root, tmp, 2, 1, steps));
      r.oneByTwo!.push(await ddpSamples(root, tmp, 1, 2, steps));
      r.rawOne!.push(await rawSamples(root, 1, steps));
      r.rawTwo!.push(await rawSamples(root, 2, steps));
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const ratio = (a: number[], b: number[]) => a.map((x, i) => x / b[i]!);
  const ddp = ratio(r.twoByOne!, r.oneByOne!);
  const machine = ratio(r.rawTwo!, r.rawOne!);
  console.log(`\nDDP on tfjs-node, MLP 784-512-512-10, batch 128 per rank, ${steps} timed steps, ${rounds} round(s): samples/s median [min-max]`);
  console.log(`  1 rank x 1 thread     ${medianRange(r.oneByOne!, 0)}`);
  console.log(`  1 rank x 2 threads    ${medianRange(r.oneByTwo!, 0)}`);
  console.log(`  2 ranks x 1 thread    ${medianRange(r.twoByOne!, 0)}   vs 1x1: ${medianRange(ddp, 2)}   vs 1x2: ${medianRange(ratio(r.twoByOne!, r.oneByTwo!), 2)}`);
  console.log(`  machine: two raw single-thread processes vs one: ${medianRange(machine, 2)}`);
  const share = median(ddp) / median(machine);
  console.log(`  DDP / machine ratio = ${share.toFixed(2)}  (${share >= TARGET ? 'met' : 'MISSED'}, target >= ${TARGET})`);
  return r;
}
