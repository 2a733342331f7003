/**
 * `fabric init` end to end, as a newcomer meets it: scaffold each template into an empty folder, `npm install`
 * (the project depends on this checkout through `file:`, so nothing is downloaded but typescript from the npm
 * cache), typecheck it, and train a few steps with the project's own `fabric` binary. Needs `npm run build`.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanEnv, csvColumn, makeTempDir, readCsv, removeTempDirs, runCli, runVersions } from '../helpers/cli.js';

const TEMPLATES = ['minimal', 'mlp', 'transformer-lm'] as const;
const projects = {} as Record<(typeof TEMPLATES)[number], string>;
afterAll(removeTempDirs);

beforeAll(async () => {
  const base = makeTempDir('fabric-init-e2e-');
  for (const template of TEMPLATES) {
    const result = await runCli(['init', template, '--template', template], { cwd: base });
    expect(result.code, result.output).toBe(0);
    projects[template] = path.join(base, template);
    execFileSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: projects[template], env: cleanEnv(), stdio: 'pipe' });
  }
}, 300_000);

/** The project's own `fabric` (node_modules/.bin/fabric -> this checkout's bin/run.js). */
function projectFabric(project: string, args: string[]) {
  const bin = path.join(project, 'node_modules', '.bin', 'fabric');
  expect(fs.realpathSync(bin)).toBe(fs.realpathSync(CLI_BIN));
  return runCli(args, { cwd: project, timeoutMs: 120_000 });
}

function typecheck(project: string): string {
  try {
    execFileSync(process.execPath, [path.join(project, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? error);
  }
}

function latestRun(project: string, name: string): string {
  const rootDir = path.join(project, 'runs');
  return path.join(rootDir, name, runVersions(rootDir, name).at(-1)!);
}

describe('fabric init, npm install, fabric run model', () => {
  it.each(TEMPLATES)("'%s': installs, links tfjs-fabric to this checkout and typechecks", (template) => {
    const project = projects[template];
    expect(fs.realpathSync(path.join(project, 'node_modules', 'tfjs-fabric'))).toBe(fs.realpathSync(path.resolve(CLI_BIN, '..', '..')));
    expect(typecheck(project)).toBe('');
  });

  it("'minimal' trains and fits the line", async () => {
    const result = await projectFabric(projects.minimal, ['run', 'model', 'train.ts', '--steps', '60']);
    expect(result.code, result.output).toBe(0);
    const [, kernel, sign, bias] = result.stdout.match(/learned y = ([\d.]+)x ([+-]) ([\d.]+)/) ?? [];
    expect(Number(kernel)).toBeCloseTo(3, 0);
    expect(Number(bias) * (sign === '-' ? -1 : 1)).toBeCloseTo(-1, 1);
    const run = latestRun(projects.minimal, 'minimal');
    expect(csvColumn(readCsv(path.join(run, 'metrics.csv')), 'step')).toHaveLength(60);
    expect(fs.readdirSync(path.join(run, 'checkpoints'))).toEqual(['step_60']);
  });

  it("'mlp' trains with the plain loop and with the FabricModule variant", async () => {
    for (const script of ['train.ts', 'train-module.ts']) {
      const result = await projectFabric(projects.mlp, ['run', 'model', script, '--epochs', '3']);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toContain('epoch 3/3: validation accuracy');
      const table = readCsv(path.join(latestRun(projects.mlp, 'mlp'), 'metrics.csv'));
      expect(table.header).toEqual(expect.arrayContaining(['step', 'loss']));
      expect(table.rows.length).toBeGreaterThan(10);
    }
  });

  it("'transformer-lm' trains a tiny model on one and on two ranks: losses, perplexity, tokens/s, checkpoint, sample", async () => {
    const tiny = ['--steps', '4', '--eval-every', '2', '--max-documents', '20', '--d-model', '16', '--n-layers', '1', '--n-heads', '2'];
    const small = [...tiny, '--context-length', '16', '--batch-size', '4', '--eval-batches', '2', '--sample-length', '24'];
    for (const devices of ['1', '2']) {
      const result = await projectFabric(projects['transformer-lm'], ['run', 'model', `--devices=${devices}`, 'train.ts', ...small]);
      expect(result.code, result.output).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`model: [\\d,]+ parameters, ${devices} rank\\(s\\)`));
      const run = latestRun(projects['transformer-lm'], 'transformer-lm');
      const table = readCsv(path.join(run, 'metrics.csv'));
      expect(table.header).toEqual(expect.arrayContaining(['step', 'train_loss', 'tokens_per_sec', 'val_loss', 'val_ppl']));
      expect(csvColumn(table, 'step')).toEqual(['1', '2', '3', '4']);
      const validLoss = csvColumn(table, 'val_loss').filter((v) => v !== '').map(Number);
      expect(validLoss).toHaveLength(2);
      const ppl = csvColumn(table, 'val_ppl').filter((v) => v !== '').map(Number);
      ppl.forEach((p, i) => expect(p).toBeCloseTo(Math.exp(validLoss[i]), 2));
      expect(fs.readdirSync(path.join(run, 'checkpoints', 'step_4')).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
      const state = JSON.parse(fs.readFileSync(path.join(run, 'checkpoints', 'step_4', 'state.json'), 'utf8'));
      expect(JSON.stringify(state)).toContain('"kind":"char"');
      const sample = fs.readFileSync(path.join(run, 'sample.txt'), 'utf8');
      expect(sample.startsWith('The ')).toBe(true);
      expect([...sample.trimEnd()].length).toBe(4 + 24);
    }
  });
});
