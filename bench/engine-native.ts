/**
 * The native section of `npm run bench:engine` (issue 14): tfjs-fabric on tfjs-node through Fabric against a raw
 * tfjs-node loop on the same model, and against what users would pick instead (Keras/TF, JAX, PyTorch), all at
 * the same thread count, engines alternating within each round so machine noise hits all alike.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { availableAnchors, measureAnchor, type Anchor } from './engine-anchors.js';
import { median, medianRange, roundRatios } from './engine-stats.js';

/** Warm-up and timed steps per workload (the same for every engine). */
const PLAN: Record<string, [number, number]> = { mlp: [5, 60], cnn: [3, 20], transformer: [2, 12] };
const FABRIC_VS_RAW_TARGET = 0.98;
const KERAS_TARGET = 0.6;

function measureNode(root: string, model: string, engine: 'native-fabric' | 'native-raw', threads: number): number {
  const [warmup, steps] = PLAN[model]!;
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), path.join(root, 'bench/scripts/engine-steps.ts'), model, engine, String(warmup), String(steps)], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production', FABRIC_TFJS_BACKEND: 'tensorflow', TF_NUM_INTRAOP_THREADS: String(threads), TF_NUM_INTEROP_THREADS: String(threads), TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const line = `${run.stdout}`.split('\n').find((l) => l.startsWith('ENGINE_RESULT '));
  if (!line) throw new Error(`${model} on ${engine} printed no result (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
  return (JSON.parse(line.slice('ENGINE_RESULT '.length)) as { stepsPerSecond: number }).stepsPerSecond;
}

export interface NativeRow {
  model: string;
  threads: number;
  rates: Record<string, number[]>;
}

export function benchNative(root: string, models: string[], rounds: number, threadCounts: number[]): NativeRow[] {
  const { ready, missing } = availableAnchors();
  if (missing.length > 0) console.log(`  anchors missing (skipped): ${missing.join('; ')}`);
  const rows: NativeRow[] = [];
  for (const threads of threadCounts) {
    for (const model of models) {
      const rates: Record<string, number[]> = { 'native-fabric': [], 'native-raw': [], ...Object.fromEntries(ready.map((a) => [a, []])) };
      for (let r = 0; r < rounds; r++) {
        // Rotate the starting engine each round: the first runner of a round must not always be the same one.
        const order = ['native-fabric', 'native-raw', ...ready];
        for (let k = 0; k < order.length; k++) {
          const engine = order[(k + r) % order.length]!;
          const [warmup, steps] = PLAN[model]!;
          rates[engine]!.push(engine.startsWith('native') ? measureNode(root, model, engine as 'native-fabric', threads) : measureAnchor(root, engine as Anchor, model, warmup, steps, threads));
        }
      }
      rows.push({ model, threads, rates });
      printRow(rows.at(-1)!);
    }
  }
  return rows;
}

function printRow({ model, threads, rates }: NativeRow): void {
  const fabric = rates['native-fabric']!;
  console.log(`\n${model}, ${threads} thread(s), ${fabric.length} round(s): steps/s median [min-max]`);
  for (const [engine, values] of Object.entries(rates)) console.log(`  ${engine.padEnd(14)} ${medianRange(values)}`);
  const vsRaw = roundRatios(fabric, rates['native-raw']!);
  const verdict = (v: number, t: number) => (v >= t ? `met, >= ${t}` : `MISSED, target >= ${t}`);
  console.log(`  fabric / raw tfjs-node  ${medianRange(vsRaw, 2)}  (${verdict(median(vsRaw), FABRIC_VS_RAW_TARGET)})`);
  for (const anchor of ['keras', 'jax', 'pytorch']) {
    if (!rates[anchor]?.length) continue;
    const ratio = roundRatios(fabric, rates[anchor]!);
    const goal = anchor === 'keras' && model !== 'transformer' ? `  (${verdict(median(ratio), KERAS_TARGET)})` : anchor === 'pytorch' ? `  (${verdict(median(ratio), 1)})` : '';
    console.log(`  fabric / ${anchor.padEnd(13)} ${medianRange(ratio, 2)}${goal}`);
  }
}
