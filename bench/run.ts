/**
 * `npm run bench`: Fabric's cost against raw tfjs on the same backend, same data, in one process,
 * and the startup time of `fabric run model` to the first step against plain node. Prints ratios.
 * Usage: node --import tsx bench/run.ts [--steps 40] [--rounds 5] [--startup-runs 3]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Fabric } from '../src/index.js';
import { fabricStep, makeBatch, makeModel, MLP, rawStep } from './mlp-loops.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '40' }, rounds: { type: 'string', default: '5' }, 'startup-runs': { type: 'string', default: '3' } } });
const steps = Number(values.steps);
const rounds = Number(values.rounds);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function timeSteps(step: () => Promise<number>): Promise<number> {
  await step(); // warm-up: kernels compiled, slots created
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  return steps / ((performance.now() - start) / 1000);
}

async function stepThroughput(): Promise<void> {
  const fabric = new Fabric({ accelerator: 'cpu' });
  await fabric.launch();
  const [x, y] = makeBatch();
  const rawModel = makeModel();
  const rawOptimizer = tf.train.adam(1e-3);
  const [fabricModel, fabricOptimizer] = fabric.setup(makeModel(), tf.train.adam(1e-3));
  const raw: number[] = [];
  const viaFabric: number[] = [];
  // Interleaved rounds so machine noise hits both loops alike; medians compared.
  for (let r = 0; r < rounds; r++) {
    raw.push(await timeSteps(() => rawStep(rawModel, rawOptimizer, x, y)));
    viaFabric.push(await timeSteps(() => fabricStep(fabric, fabricModel, fabricOptimizer, x, y)));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  const ratio = median(viaFabric) / median(raw);
  console.log(`MLP ${MLP.inputs}-${MLP.hidden}-${MLP.hidden}-${MLP.classes}, batch ${MLP.batch}, Adam, backend ${fabric.backend}, ${rounds} rounds x ${steps} steps`);
  console.log(`  raw tfjs loop      ${median(raw).toFixed(2)} steps/s  (rounds: ${raw.map((v) => v.toFixed(1)).join(', ')})`);
  console.log(`  through Fabric     ${median(viaFabric).toFixed(2)} steps/s  (rounds: ${viaFabric.map((v) => v.toFixed(1)).join(', ')})`);
  console.log(`  ratio Fabric/raw   ${ratio.toFixed(3)}  (target >= 0.99)`);
  await fabric.teardown();
}

/** Milliseconds from spawning a command to the line FIRST_STEP_DONE. */
function timeToFirstStep(command: string, args: string[], cwd: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { cwd, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let firstStepMs: number | undefined;
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (firstStepMs === undefined && out.includes('FIRST_STEP_DONE')) firstStepMs = performance.now() - start;
    });
    // Resolve only once the process is gone, so runs never overlap.
    child.on('close', (code) => (firstStepMs !== undefined ? resolve(firstStepMs) : reject(new Error(`${command} ${args.join(' ')} exited ${code} without a first step:\n${out}`))));
  });
}

async function startup(): Promise<void> {
  const runs = Number(values['startup-runs']);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-'));
  const tsx = import.meta.resolve('tsx');
  const raw: number[] = [];
  const cli: number[] = [];
  for (let i = 0; i < runs; i++) {
    raw.push(await timeToFirstStep(process.execPath, ['--import', tsx, path.join(root, 'bench/scripts/raw-first-step.ts')], root));
    cli.push(await timeToFirstStep(process.execPath, [path.join(root, 'bin/run.js'), 'run', 'model', '--accelerator=cpu', `--root-dir=${tmp}`, path.join(root, 'bench/scripts/fabric-first-step.ts')], root));
  }
  fs.rmSync(tmp, { recursive: true, force: true });
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
  console.log(`Startup to the first training step (median of ${runs})`);
  console.log(`  node + tsx, raw loop       ${median(raw).toFixed(0)} ms`);
  console.log(`  fabric run model           ${median(cli).toFixed(0)} ms`);
  console.log(`  ratio fabric/raw           ${(median(cli) / median(raw)).toFixed(2)}  (extra ${(median(cli) - median(raw)).toFixed(0)} ms: CLI + child process)`);
}

await stepThroughput();
await startup();
