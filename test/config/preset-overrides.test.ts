import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { presetOverrideWarnings, resolveConfig } from '../../src/config/resolve.js';

const ORDER = '(flags > env > --config > ./fabric.config.yaml > preset).';
let cwd: string;
let preset: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'fabric-preset-overrides-'));
  preset = join(cwd, 'cuda-4.yaml');
  writeFileSync(preset, 'accelerator: cuda\nstrategy: ddp\ndevices: 4\nprecision: 32-true\n');
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('preset values a higher layer replaced', () => {
  it('lists none when nothing above the preset sets its keys, and none without a preset', () => {
    expect(resolveConfig({ flags: {}, env: {}, presetFile: preset, cwd }).presetOverrides).toEqual([]);
    expect(resolveConfig({ flags: { devices: '2' }, env: {}, cwd }).presetOverrides).toEqual([]);
  });

  it('names the key, both values and the winning layer: project file, --config, env and flag', () => {
    writeFileSync(join(cwd, 'fabric.config.yaml'), 'name: p\naccelerator: cpu\n');
    writeFileSync(join(cwd, 'mine.yaml'), 'strategy: fsdp\n');
    const { presetOverrides } = resolveConfig({ flags: { devices: '2' }, env: { FABRIC_PRECISION: 'bf16' }, configFile: 'mine.yaml', presetFile: preset, cwd });
    expect(presetOverrides?.map(({ key, presetValue, value, source }) => ({ key, presetValue, value, source }))).toEqual([
      { key: 'accelerator', presetValue: 'cuda', value: 'cpu', source: 'project-config' },
      { key: 'strategy', presetValue: 'ddp', value: 'fsdp', source: 'config-file' },
      { key: 'devices', presetValue: '4', value: '2', source: 'flag' },
      { key: 'precision', presetValue: '32-true', value: 'bf16-mixed', source: 'env' },
    ]);
    expect(presetOverrideWarnings('cuda-4', presetOverrides!)).toEqual([
      `tfjs-fabric: warning: --preset cuda-4 sets accelerator: cuda, but ${presetOverrides![0]!.origin} sets cpu, which wins ${ORDER}`,
      `tfjs-fabric: warning: --preset cuda-4 sets strategy: ddp, but --config mine.yaml:1:1 sets fsdp, which wins ${ORDER}`,
      `tfjs-fabric: warning: --preset cuda-4 sets devices: 4, but --devices sets 2, which wins ${ORDER}`,
      `tfjs-fabric: warning: --preset cuda-4 sets precision: 32-true, but FABRIC_PRECISION sets bf16-mixed, which wins ${ORDER}`,
    ]);
    expect(presetOverrides![0]!.origin).toMatch(/fabric\.config\.yaml:2:1$/);
  });

  it('says nothing when the higher layer repeats the preset value, in any spelling', () => {
    writeFileSync(join(cwd, 'fabric.config.yaml'), 'precision: 32\naccelerator: cuda\n');
    expect(resolveConfig({ flags: { devices: '4' }, env: {}, presetFile: preset, cwd }).presetOverrides).toEqual([]);
  });

  it('names the preset as given, with or without .yaml', () => {
    const override = { key: 'precision' as const, presetValue: 'bf16-mixed', value: '32-true', source: 'flag' as const, origin: '--precision' };
    expect(presetOverrideWarnings('bf16.yaml', [override])).toEqual([
      `tfjs-fabric: warning: --preset bf16 sets precision: bf16-mixed, but --precision sets 32-true, which wins ${ORDER}`,
    ]);
  });
});
