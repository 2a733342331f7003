/**
 * Each shipped template trains through the real CLI on the engine under test (project wasm or native), from its
 * own folder so its fabric.config.yaml applies. test/e2e/init.test.ts covers scaffolding, npm install and typecheck.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumn, makeTempDir, readCsv, REPO_ROOT, removeTempDirs, runModel, runVersions } from '../helpers/cli.js';
import { expectLiveRankOnEngine } from '../helpers/engine.js';

afterAll(() => removeTempDirs());

async function trainTemplate(template: string, script: string, args: string[], flags: string[] = []) {
  const rootDir = makeTempDir();
  const result = await runModel({ cwd: path.join(REPO_ROOT, 'templates', template), rootDir, flags, script, scriptArgs: args, timeoutMs: 120_000 });
  expect(result.code, result.output).toBe(0);
  expectLiveRankOnEngine(result.output);
  const [name] = fs.readdirSync(rootDir);
  return { result, run: path.join(rootDir, name!, runVersions(rootDir, name).at(-1)!) };
}

describe('templates train on the engine under test', () => {
  it("'minimal' fits its line", async () => {
    const { result, run } = await trainTemplate('minimal', 'train.ts', ['--steps', '60']);
    const [, kernel, sign, bias] = result.stdout.match(/learned y = ([\d.]+)x ([+-]) ([\d.]+)/) ?? [];
    expect(Number(kernel)).toBeCloseTo(3, 0);
    expect(Number(bias) * (sign === '-' ? -1 : 1)).toBeCloseTo(-1, 1);
    expect(csvColumn(readCsv(path.join(run, 'metrics.csv')), 'step')).toHaveLength(60);
  });

  it("'mlp' trains with the plain loop and with the FabricModule variant", async () => {
    for (const [script, args] of [['train.ts', ['--epochs', '2', '--points', '300']], ['train-module.ts', ['--epochs', '2']]] as const) {
      const { result, run } = await trainTemplate('mlp', script, [...args]);
      expect(result.stdout).toMatch(/epoch 2\/2: validation accuracy [\d.]+%/);
      const losses = csvColumn(readCsv(path.join(run, 'metrics.csv')), 'loss').filter((v) => v !== '').map(Number);
      expect(losses.length).toBeGreaterThan(5);
      for (const loss of losses) expect(Number.isFinite(loss)).toBe(true);
    }
  });

  it("'transformer-lm' trains a tiny model on two ranks: losses, perplexity, checkpoint, sample", async () => {
    const tiny = ['--steps', '4', '--eval-every', '2', '--max-documents', '20', '--d-model', '16', '--n-layers', '1', '--n-heads', '2'];
    const { run } = await trainTemplate('transformer-lm', 'train.ts', [...tiny, '--context-length', '16', '--batch-size', '4', '--eval-batches', '2', '--sample-length', '24'], ['--devices=2']);
    const table = readCsv(path.join(run, 'metrics.csv'));
    expect(csvColumn(table, 'step')).toEqual(['1', '2', '3', '4']);
    const validLoss = csvColumn(table, 'val_loss').filter((v) => v !== '').map(Number);
    const ppl = csvColumn(table, 'val_ppl').filter((v) => v !== '').map(Number);
    expect(validLoss).toHaveLength(2);
    ppl.forEach((p, i) => expect(p).toBeCloseTo(Math.exp(validLoss[i]!), 2));
    expect(fs.readdirSync(path.join(run, 'checkpoints', 'step_4')).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    expect(fs.readFileSync(path.join(run, 'sample.txt'), 'utf8').startsWith('The ')).toBe(true);
  });
});
