/**
 * Every shipped preset in configs/ is valid and means what its name says. Presets that can run here are run
 * by test/configs-e2e.test.ts; the others are checked against the situation they are meant for.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPresets, presetFile } from '../src/config/presets.js';
import { resolveConfig } from '../src/config/resolve.js';
import { detectEnvironment, validateAgainstFlags } from '../src/environments/registry.js';
import { REPO_ROOT } from './helpers/cli.js';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-configs-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

const resolvePreset = (name: string) => resolveConfig({ flags: {}, env: {}, presetFile: presetFile(name), cwd }).config;
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('configs/', () => {
  it.each(listPresets())('%s.yaml resolves with --preset and with --config alike, and the README documents it', (name) => {
    const viaPreset = resolvePreset(name);
    const viaConfig = resolveConfig({ flags: {}, env: {}, configFile: path.join(REPO_ROOT, 'configs', `${name}.yaml`), cwd }).config;
    expect(viaConfig).toEqual(viaPreset);
    expect(readme).toContain(`configs/${name}.yaml`);
  });

  it('cpu: one rank on the CPU in full precision', () => {
    expect(resolvePreset('cpu')).toMatchObject({ accelerator: 'cpu', devices: 1, precision: '32-true', strategy: 'auto', numNodes: 1 });
  });

  it('ddp-cpu: two data-parallel ranks on the CPU', () => {
    expect(resolvePreset('ddp-cpu')).toMatchObject({ accelerator: 'cpu', strategy: 'ddp', devices: 2, precision: '32-true' });
  });

  it('fsdp-cpu: FSDP over two CPU ranks', () => {
    expect(resolvePreset('fsdp-cpu')).toMatchObject({ accelerator: 'cpu', strategy: 'fsdp', devices: 2 });
  });

  it('bf16: bf16 mixed precision, leaving devices and strategy to other settings', () => {
    const config = resolvePreset('bf16');
    expect(config.precision).toBe('bf16-mixed');
    expect(config).toMatchObject({ accelerator: 'auto', strategy: 'auto', devices: 'auto' });
  });

  it('cuda-4: four GPUs, one DDP rank each', () => {
    expect(resolvePreset('cuda-4')).toMatchObject({ accelerator: 'cuda', strategy: 'ddp', devices: 4, numNodes: 1 });
  });

  it('slurm: 2 nodes x 4 ranks with a token file, matching an srun job of that shape', () => {
    const config = resolvePreset('slurm');
    expect(config).toMatchObject({ strategy: 'ddp', devices: 4, numNodes: 2, tokenFile: 'fabric.token', mainPort: 'auto' });
    // Task 6 of `srun --nodes=2 --ntasks-per-node=4`: SLURM gives address and port, the preset's counts agree.
    const srun = {
      SLURM_JOB_ID: '4242',
      SLURM_JOB_NAME: 'train',
      SLURM_NTASKS: '8',
      SLURM_PROCID: '6',
      SLURM_LOCALID: '2',
      SLURM_NODEID: '1',
      SLURM_NNODES: '2',
      SLURM_NTASKS_PER_NODE: '4',
      SLURM_TASKS_PER_NODE: '4(x2)',
      SLURM_NODELIST: 'gpu[01-02]',
      SLURM_JOB_NODELIST: 'gpu[01-02]',
    };
    const detected = detectEnvironment(srun);
    expect(detected).toMatchObject({ name: 'slurm', launchedBy: 'srun', worldSize: 8, globalRank: 6, mainAddress: 'gpu01' });
    expect(() => validateAgainstFlags(detected, { devices: config.devices as number, numNodes: config.numNodes })).not.toThrow();
    // A job of another shape is caught before any rank starts.
    const smaller = detectEnvironment({ ...srun, SLURM_NTASKS: '4', SLURM_NNODES: '1', SLURM_PROCID: '2', SLURM_NODEID: '0', SLURM_TASKS_PER_NODE: '4', SLURM_NODELIST: 'gpu01', SLURM_JOB_NODELIST: 'gpu01' });
    expect(() => validateAgainstFlags(smaller, { devices: 4, numNodes: config.numNodes })).toThrow(/--num-nodes=2/);
  });
});
