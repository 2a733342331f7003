/**
 * `npm run bench:engine`: how fast our default CPU engine trains, against stock tfjs in the same run (issue 9).
 * For an MLP 784-512-512-10 and the Transformer LM template: steps/s of stock tfjs-wasm, stock pure-JS tfjs and our
 * engine through Fabric (wasm + our kernels), each in a fresh process, rounds interleaved so machine noise hits all
 * alike; then utilisation = the model FLOPs per second of our step / the backend's plain matMul peak measured in the
 * same process. With /usr/bin/python3 and torch present, the same models in PyTorch on one thread (never required).
 * Usage: npm run bench:engine  (or node --import tsx bench/engine.ts [--rounds 2] [--models mlp,transformer])
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2' }, models: { type: 'string', default: 'mlp,transformer' } } });
const rounds = Number(values.rounds);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const PYTHON = '/usr/bin/python3';

interface Result {
  engine: string;
  backend: string;
  stepsPerSecond: number;
  flopsPerStep?: number;
  peakGflops?: number;
  describe?: string;
}

/** Warm-up and timed steps per engine: the pure-JS backend takes ~1 s per MLP step, so it gets fewer. */
const PLAN: Record<string, Record<string, [number, number]>> = {
  mlp: { fabric: [3, 30], 'stock-wasm': [2, 10], 'stock-js': [1, 3], pytorch: [3, 20] },
  transformer: { fabric: [2, 8], 'stock-wasm': [1, 3], 'stock-js': [1, 2], pytorch: [2, 6] },
};
const TARGETS: Record<string, { vsWasm: number; utilisation?: number }> = { mlp: { vsWasm: 3.5, utilisation: 0.7 }, transformer: { vsWasm: 3 } };

function parseResult(output: string, what: string): Result {
  const line = output.split('\n').find((l) => l.startsWith('ENGINE_RESULT '));
  if (!line) throw new Error(`${what} printed no result:\n${output}`);
  return JSON.parse(line.slice('ENGINE_RESULT '.length)) as Result;
}

function measure(model: string, engine: string): Result {
  const [warmup, steps] = PLAN[model][engine];
  const script = path.join(root, 'bench/scripts/engine-steps.ts');
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), script, model, engine, String(warmup), String(steps)], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production', FABRIC_TFJS_BACKEND: '' },
  });
  return parseResult(`${run.stdout}${run.stderr}`, `${model} on ${engine} (exit ${run.status})`);
}

/** PyTorch at one thread, or undefined when /usr/bin/python3 has no torch. */
function measureTorch(model: string): Result | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' });
  if (probe.status !== 0) return undefined;
  const [warmup, steps] = PLAN[model].pytorch;
  const run = spawnSync(PYTHON, [path.join(root, 'bench/scripts/engine-torch.py'), model, String(warmup), String(steps)], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1' } });
  return parseResult(`${run.stdout}${run.stderr}`, `${model} in PyTorch (exit ${run.status})`);
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number[]) => `${median(v).toFixed(2).padStart(6)} steps/s${v.length > 1 ? `  (rounds: ${v.map((x) => x.toFixed(2)).join(', ')})` : ''}`;
const verdict = (value: number, target: number) => `${value >= target ? 'met' : 'MISSED'}: target >= ${target}`;

function benchModel(model: string): void {
  const rates: Record<string, number[]> = { fabric: [], 'stock-wasm': [], 'stock-js': [], pytorch: [] };
  let ours: Result | undefined;
  const utilisation: number[] = [];
  const peaks: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const engine of ['fabric', 'stock-wasm', 'stock-js']) {
      const result = measure(model, engine);
      rates[engine].push(result.stepsPerSecond);
      if (engine === 'fabric') {
        ours = result;
        utilisation.push((result.stepsPerSecond * result.flopsPerStep!) / (result.peakGflops! * 1e9));
        peaks.push(result.peakGflops!);
      }
    }
    const torch = measureTorch(model);
    if (torch) rates.pytorch.push(torch.stepsPerSecond);
  }
  const ourRate = median(rates.fabric);
  // Ratios per round (engines measured back to back), then their median: steadier than a ratio of medians under load.
  const perRound = (other: string) => median(rates.fabric.map((r, i) => r / rates[other][i]));
  const vsWasm = perRound('stock-wasm');
  const target = TARGETS[model];
  console.log(`\n${ours!.describe}  (${(ours!.flopsPerStep! / 1e9).toFixed(3)} GFLOP of matmuls per step)`);
  console.log(`  stock tfjs, pure-JS cpu backend   ${fmt(rates['stock-js'])}`);
  console.log(`  stock tfjs, wasm backend          ${fmt(rates['stock-wasm'])}`);
  console.log(`  our engine through Fabric         ${fmt(rates.fabric)}   backend ${ours!.backend} + our kernels`);
  console.log(`  ours / stock wasm                 ${vsWasm.toFixed(2)}x  (${verdict(vsWasm, target.vsWasm)})`);
  console.log(`  ours / stock pure-JS              ${perRound('stock-js').toFixed(1)}x`);
  const u = median(utilisation);
  console.log(
    `  utilisation                       ${(100 * u).toFixed(0)}%  (rounds: ${utilisation.map((x) => `${(100 * x).toFixed(0)}%`).join(', ')}; ` +
      `${((ourRate * ours!.flopsPerStep!) / 1e9).toFixed(1)} GFLOP/s vs a ${median(peaks).toFixed(1)} GFLOP/s plain matMul peak` +
      `${target.utilisation ? `; ${verdict(u, target.utilisation)}` : ''})`,
  );
  if (rates.pytorch.length > 0) {
    console.log(`  PyTorch, 1 thread                 ${fmt(rates.pytorch)}`);
    console.log(`  ours / PyTorch                    ${perRound('pytorch').toFixed(2)}x`);
  } else {
    console.log(`  PyTorch: skipped (${PYTHON} has no torch)`);
  }
}

console.log(`Engine benchmark: ${os.cpus()[0]?.model ?? 'CPU'} x ${os.cpus().length}, Node ${process.versions.node}, ${rounds} interleaved round(s), medians`);
for (const model of values.models.split(',')) benchModel(model);
