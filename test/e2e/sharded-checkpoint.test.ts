/**
 * Sharded checkpoints through the real CLI: every rank writes its files in parallel (Hugging Face index layout),
 * and a checkpoint written by N ranks continues training at any world size and strategy, matching a run that
 * never stopped.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, readRankWeights, removeTempDirs, runModel } from '../helpers/cli.js';

afterAll(removeTempDirs);
const script = fixture('sharded-train.ts');

async function train(cwd: string, strategy: string, devices: number, scriptArgs: string[]): Promise<{ weights: Float32Array[]; output: string }> {
  const outDir = fs.mkdtempSync(path.join(cwd, 'out-'));
  const result = await runModel({ cwd, rootDir: path.join(cwd, 'runs'), flags: [`--devices=${devices}`, `--strategy=${strategy}`], script, scriptArgs: [...scriptArgs, '--out-dir', outDir] });
  expect(result.code, result.output).toBe(0);
  return { weights: readRankWeights(outDir, devices - 1).weights, output: result.output };
}

function maxDifference(a: Float32Array[], b: Float32Array[]): number {
  let worst = 0;
  a.forEach((w, i) => w.forEach((v, j) => (worst = Math.max(worst, Math.abs(v - b[i]![j]!)))));
  return worst;
}

describe('sharded checkpoints', () => {
  it('are written by every rank and reshard into any world size and strategy', async () => {
    const cwd = makeTempDir();
    const ckpt = path.join(cwd, 'ckpt');
    const straight = await train(cwd, 'fsdp', 2, ['--steps', '8']);
    await train(cwd, 'fsdp', 2, ['--steps', '4', '--save-at', '4', '--ckpt', ckpt]);

    expect(fs.readdirSync(ckpt).sort()).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
      'model.safetensors.index.json',
      'optimizer-00001-of-00002.safetensors',
      'optimizer-00002-of-00002.safetensors',
      'state.json',
    ]);
    const index = JSON.parse(fs.readFileSync(path.join(ckpt, 'model.safetensors.index.json'), 'utf8')) as { metadata: { total_size: number }; weight_map: Record<string, string> };
    expect(Object.keys(index.weight_map)).toEqual(['model.layers.0.kernel', 'model.layers.0.bias', 'model.layers.1.kernel', 'model.layers.1.bias', 'model.layers.2.kernel', 'model.layers.2.bias']);
    // Both ranks wrote whole tensors: 81 float32 values in all.
    expect(new Set(Object.values(index.weight_map)).size).toBe(2);
    expect(index.metadata.total_size).toBe(81 * 4);
    expect(fs.readdirSync(cwd).filter((f) => f.includes('.tmp-') || f.includes('.old-'))).toEqual([]);

    for (const [strategy, devices] of [['fsdp', 3], ['zero1', 3], ['zero2', 2], ['ddp', 2], ['ddp', 1]] as const) {
      const resumed = await train(cwd, strategy, devices, ['--steps', '8', '--resume', ckpt]);
      expect(maxDifference(resumed.weights, straight.weights), `${strategy} on ${devices}`).toBeLessThan(1e-5);
    }
  }, 240_000);

  it('writes model shards that Python safetensors reads as the same tensors', async () => {
    let pythonHasSafetensors = true;
    try {
      execFileSync('/usr/bin/python3', ['-c', 'import safetensors.numpy'], { stdio: 'ignore' });
    } catch {
      pythonHasSafetensors = false;
    }
    if (!pythonHasSafetensors) return void console.warn('skipped: /usr/bin/python3 has no safetensors (.ci/run installs it)');
    const cwd = makeTempDir();
    const ckpt = path.join(cwd, 'ckpt');
    await train(cwd, 'zero2', 2, ['--steps', '2', '--save-at', '2', '--ckpt', ckpt]);
    const read = execFileSync('/usr/bin/python3', ['-c', `
import json, sys
from safetensors.numpy import load_file
d = sys.argv[1]
index = json.load(open(d + "/model.safetensors.index.json"))
out = {}
for name, file in index["weight_map"].items():
    out[name] = list(load_file(d + "/" + file)[name].shape)
print(json.dumps(out))
`, ckpt], { encoding: 'utf8' });
    expect(JSON.parse(read)).toEqual({ 'model.layers.0.kernel': [4, 7], 'model.layers.0.bias': [7], 'model.layers.1.kernel': [7, 5], 'model.layers.1.bias': [5], 'model.layers.2.kernel': [5, 1], 'model.layers.2.bias': [1] });
  }, 120_000);
});
