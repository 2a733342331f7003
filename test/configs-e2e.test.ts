/**
 * Each shipped preset through the real CLI (`fabric run model --preset <name>`): the ones this machine can run
 * train a few steps; the others stop with the clear message their situation calls for. Needs `npm run build`.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, readCsv, removeTempDirs, REPO_ROOT, runModel, runVersions } from './helpers/cli.js';

afterAll(removeTempDirs);
const script = path.join(REPO_ROOT, 'templates', 'minimal', 'train.ts');

async function runPreset(preset: string, extraFlags: string[] = []) {
  const cwd = makeTempDir();
  const rootDir = path.join(cwd, 'runs');
  const result = await runModel({ cwd, rootDir, flags: [`--preset=${preset}`, ...extraFlags], script, scriptArgs: ['--steps', '4'], timeoutMs: 60_000 });
  return { result, rootDir };
}

function hasPackage(name: string): boolean {
  try {
    createRequire(import.meta.url).resolve(name);
    return true;
  } catch {
    return false;
  }
}

describe('fabric run model --preset', () => {
  it('cpu trains on one rank and records where its settings came from', async () => {
    const { result, rootDir } = await runPreset('cpu');
    expect(result.code, result.output).toBe(0);
    const run = path.join(rootDir, 'fabric', runVersions(rootDir)[0]);
    expect(readCsv(path.join(run, 'metrics.csv')).rows).toHaveLength(4);
    const info = JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8'));
    expect(JSON.stringify(info)).toContain('configs/cpu.yaml:3:1');
    expect(fs.readdirSync(run).filter((f) => f.startsWith('rank_'))).toEqual(['rank_0.log']);
  });

  it('ddp-cpu trains on two ranks; a flag still overrides the preset', async () => {
    const { result, rootDir } = await runPreset('ddp-cpu');
    expect(result.code, result.output).toBe(0);
    const run = path.join(rootDir, 'fabric', runVersions(rootDir)[0]);
    expect(fs.readdirSync(run).filter((f) => f.startsWith('rank_')).sort()).toEqual(['rank_0.log', 'rank_1.log']);
    const overridden = await runPreset('ddp-cpu', ['--devices=1']);
    expect(overridden.result.code, overridden.result.output).toBe(0);
    const single = path.join(overridden.rootDir, 'fabric', runVersions(overridden.rootDir)[0]);
    expect(fs.readdirSync(single).filter((f) => f.startsWith('rank_'))).toEqual(['rank_0.log']);
  });

  it('bf16 trains with bf16-mixed precision, on one rank and on two with 16-bit gradients', async () => {
    const { result, rootDir } = await runPreset('bf16');
    expect(result.code, result.output).toBe(0);
    const run = path.join(rootDir, 'fabric', runVersions(rootDir)[0]);
    expect(readCsv(path.join(run, 'metrics.csv')).rows).toHaveLength(4);
    expect(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).toContain('configs/bf16.yaml:3:1');
    const ddp = await runPreset('bf16', ['--devices=2', '--strategy=ddp']);
    expect(ddp.result.code, ddp.result.output).toBe(0);
  });

  it('fsdp-cpu trains on two ranks with parameters, gradients and optimizer state sharded', async () => {
    const { result, rootDir } = await runPreset('fsdp-cpu');
    expect(result.code, result.output).toBe(0);
    const run = path.join(rootDir, 'fabric', runVersions(rootDir)[0]);
    expect(readCsv(path.join(run, 'metrics.csv')).rows).toHaveLength(4);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'run.json'), 'utf8')).config.strategy).toBe('fsdp');
  });

  it.skipIf(hasPackage('@tensorflow/tfjs-node-gpu'))('cuda-4 without tfjs-node-gpu says what to install', async () => {
    const { result } = await runPreset('cuda-4');
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.output)).toContain('--accelerator=cuda needs the package @tensorflow/tfjs-node-gpu');
  });

  it('slurm outside a SLURM job asks for what srun would provide', async () => {
    const { result } = await runPreset('slurm');
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.output)).toContain('A run on 2 nodes needs --main-port');
  });

  it('an unknown preset is a usage error naming the shipped ones', async () => {
    const { result } = await runPreset('ddp');
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.stderr)).toContain('--preset ddp is not a shipped preset. Did you mean --preset ddp-cpu?');
  });
});
