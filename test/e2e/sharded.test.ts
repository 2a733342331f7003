/**
 * zero1, zero2 and fsdp through the real CLI: each trains to the same weights as DDP (within float32 rounding of
 * a different summation order), on 2 and 3 ranks, with gradient clipping and gradient accumulation.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, readRankWeights, removeTempDirs, runModel } from '../helpers/cli.js';

afterAll(removeTempDirs);
const script = fixture('sharded-train.ts');

interface RankResult {
  weights: Float32Array[];
  evalLoss: number;
  norms: number[];
  tensorCounts: number[];
}

async function train(strategy: string, devices: number, scriptArgs: string[]): Promise<RankResult[]> {
  const cwd = makeTempDir();
  const outDir = path.join(cwd, 'out');
  fs.mkdirSync(outDir);
  const result = await runModel({ cwd, rootDir: path.join(cwd, 'runs'), flags: [`--devices=${devices}`, `--strategy=${strategy}`], script, scriptArgs: [...scriptArgs, '--out-dir', outDir] });
  expect(result.code, result.output).toBe(0);
  return Array.from({ length: devices }, (_, rank) => {
    const out = readRankWeights(outDir, rank);
    expect(out.strategy).toBe(strategy);
    const result = out as unknown as RankResult;
    // No tensor leaks: as many tensors alive after the last step as after the first.
    expect(new Set(result.tensorCounts).size, `${strategy} tensors per step: ${result.tensorCounts}`).toBe(1);
    return result;
  });
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  expect(a.map((w) => w.length)).toEqual(b.map((w) => w.length));
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}

describe.each([
  { devices: 2, args: ['--optimizer', 'adam', '--clip', '0.5'] },
  { devices: 3, args: ['--optimizer', 'momentum', '--clip', '0.5'] },
  { devices: 2, args: ['--optimizer', 'adamw', '--accumulate', '2'] },
])('sharded strategies on $devices ranks ($args)', ({ devices, args }) => {
  it('end with the weights DDP ends with, on every rank', async () => {
    const [reference, ...otherDdpRanks] = await train('ddp', devices, args);
    for (const rank of otherDdpRanks) expect(maxDifference(rank.weights, reference!.weights)).toBe(0);
    for (const strategy of ['zero1', 'zero2', 'fsdp']) {
      const ranks = await train(strategy, devices, args);
      for (const rank of ranks) {
        expect(maxDifference(rank.weights, reference!.weights), `${strategy}`).toBeLessThan(1e-5);
        expect(rank.evalLoss).toBeCloseTo(reference!.evalLoss, 5);
        // The clip norm is summed across shards, so it is the global norm DDP sees.
        rank.norms.forEach((norm, i) => expect(norm).toBeCloseTo(reference!.norms[i]!, 4));
      }
    }
  }, 180_000);
});
