/**
 * `npm run bench:engine`, three sections, each engine in a fresh process and rounds interleaved:
 *   wasm:   our wasm engine through Fabric against stock tfjs-wasm and pure-JS tfjs (issue 9), with utilisation =
 *           model FLOPs/s of our step / the backend's plain matMul peak measured in the same process;
 *   native: tfjs-node through Fabric against a raw tfjs-node loop, Keras/TF, JAX and PyTorch (issue 14);
 *   ddp:    DDP on tfjs-node, 2 ranks x 1 thread vs 1 rank x 1 and x 2 threads, beside the machine's 2-process ratio.
 * /proc/loadavg is printed before and after: the numbers mean little on a busy machine.
 * Usage: node --import tsx bench/engine.ts [--rounds 3] [--models mlp,cnn,transformer] [--sections wasm,native,ddp] [--threads 1,2]
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { measureAnchor } from './engine-anchors.js';
import { benchDdp } from './engine-ddp.js';
import { benchNative } from './engine-native.js';
import { loadAverage, machineLine, median } from './engine-stats.js';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '3' },
    models: { type: 'string', default: 'mlp,cnn,transformer' },
    sections: { type: 'string', default: 'wasm,native,ddp' },
    threads: { type: 'string', default: '1' },
  },
});
const rounds = Number(values.rounds);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sections = values.sections.split(',');
const models = values.models.split(',');

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
/** The wasm section covers the workloads stock wasm can train (its CNN gradient kernels are missing). */
const WASM_MODELS = new Set(Object.keys(PLAN));
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

/** PyTorch at one thread, or undefined when it cannot be imported. */
function measureTorch(model: string): Result | undefined {
  const [warmup, steps] = PLAN[model]!.pytorch!;
  try {
    return { engine: 'pytorch', backend: 'torch', stepsPerSecond: measureAnchor(root, 'pytorch', model, warmup, steps, 1) };
  } catch {
    return undefined;
  }
}

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
    console.log('  PyTorch: skipped (torch does not import; see bench/README.md)');
  }
}

console.log(`Engine benchmark: ${machineLine()}, ${rounds} interleaved round(s); load average before: ${loadAverage()}`);
if (sections.includes('wasm')) for (const model of models.filter((m) => WASM_MODELS.has(m))) benchModel(model);
if (sections.includes('native')) benchNative(root, models, rounds, values.threads.split(',').map(Number));
if (sections.includes('ddp')) await benchDdp(root, rounds);
console.log(`\nload average after: ${loadAverage()}`);
