import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { listPresets, presetFile, presetsDir } from '../../src/config/presets.js';
import { resolveConfig } from '../../src/config/resolve.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { userErrorOf } from '../helpers/user-error.js';

let cwd: string;
beforeEach(() => {
  cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-presets-'));
});
afterEach(() => fs.rmSync(cwd, { recursive: true, force: true }));

describe('presets', () => {
  it("live in the package's configs/ folder", () => {
    expect(presetsDir()).toBe(path.join(REPO_ROOT, 'configs'));
    expect(listPresets()).toEqual(['bf16', 'cpu', 'cuda-4', 'ddp-cpu', 'fsdp-cpu', 'slurm']);
    expect(presetFile('ddp-cpu')).toBe(path.join(REPO_ROOT, 'configs', 'ddp-cpu.yaml'));
    expect(presetFile('cpu.yaml')).toBe(path.join(REPO_ROOT, 'configs', 'cpu.yaml'));
  });

  it('an unknown name is a user error with a suggestion and the list', () => {
    expect(userErrorOf(() => presetFile('dpp-cpu'))).toBe(
      '--preset dpp-cpu is not a shipped preset. Did you mean --preset ddp-cpu? Available: bf16, cpu, cuda-4, ddp-cpu, fsdp-cpu, slurm. For your own file use --config <file.yaml>.',
    );
    expect(userErrorOf(() => presetFile('../package'))).toContain('is not a shipped preset');
    expect(listPresets(path.join(cwd, 'none'))).toEqual([]);
  });
});

describe('resolveConfig with a preset', () => {
  it('is the lowest file layer: ./fabric.config.yaml, --config, env and flags all override it', () => {
    fs.writeFileSync(path.join(cwd, 'fabric.config.yaml'), 'devices: 3\n');
    fs.writeFileSync(path.join(cwd, 'mine.yaml'), 'precision: 32-true\n');
    const { config, sources } = resolveConfig({
      flags: { seed: '5' },
      env: { FABRIC_NAME: 'from-env' },
      configFile: 'mine.yaml',
      presetFile: presetFile('ddp-cpu'),
      cwd,
    });
    expect(config).toMatchObject({ accelerator: 'cpu', strategy: 'ddp', devices: 3, precision: '32-true', name: 'from-env', seed: 5 });
    expect(sources.strategy).toEqual({ source: 'preset', origin: 'configs/ddp-cpu.yaml:4:1' });
    expect(sources.devices.source).toBe('project-config');
    expect(sources.precision.source).toBe('config-file');
  });

  it('reports a mistake in a preset file with its position', () => {
    const bad = path.join(cwd, 'broken.yaml');
    fs.writeFileSync(bad, 'strategy: dpp\n');
    expect(userErrorOf(() => resolveConfig({ flags: {}, env: {}, presetFile: bad, cwd }))).toContain('configs/broken.yaml:1:');
  });
});

describe('presetFile suggestions', () => {
  it('suggests the one preset a short name starts with', () => {
    expect(userErrorOf(() => presetFile('ddp'))).toContain('Did you mean --preset ddp-cpu?');
    expect(userErrorOf(() => presetFile('c'))).not.toContain('Did you mean');
  });
});
