import { describe, expect, it } from 'vitest';
import { mergeResumeConfig } from '../../commands/resume.js';
import { resolveConfig } from '../../src/config/resolve.js';
import type { RunInfo } from '../../src/run-dir/run-dir.js';
import { userErrorOf } from '../helpers/user-error.js';

const first = resolveConfig({ flags: { devices: '1', seed: '7' }, env: {}, cwd: '/nonexistent' });
/** run.json of a run started with --devices=1 --seed=7 (port picked automatically). */
const previous: RunInfo = {
  command: ['fabric', 'run', 'model', '--devices=1', '--seed=7', 'train.ts'],
  script: '/p/train.ts',
  scriptArgs: [],
  config: { ...first.config, mainPort: 41234 },
  configSources: first.sources,
  versions: {},
  worldSize: 1,
  startTime: '',
  status: 'failed',
  cwd: '/p',
};

describe('mergeResumeConfig', () => {
  it('keeps the recorded settings, lets flags and env override them, and re-picks what was a default', () => {
    const now = resolveConfig({ flags: { devices: '2' }, env: { FABRIC_STRATEGY: 'ddp' }, cwd: '/nonexistent' });
    const { resolved, overrides } = mergeResumeConfig(previous, now);
    expect(resolved.config.seed).toBe(7);
    expect(resolved.sources.seed.source).toBe('flag');
    expect(resolved.config.devices).toBe(2);
    expect(resolved.config.strategy).toBe('ddp');
    expect(resolved.config.mainPort).toBe('auto'); // 41234 was picked for the first run, not chosen
    expect(overrides).toEqual({ devices: 2, strategy: 'ddp' });
  });

  it('records no override for a flag that repeats the recorded value', () => {
    const { overrides } = mergeResumeConfig(previous, resolveConfig({ flags: { seed: '7' }, env: {}, cwd: '/nonexistent' }));
    expect(overrides).toEqual({});
  });

  it('refuses a new run name or root dir: the run keeps its directory', () => {
    expect(userErrorOf(() => mergeResumeConfig(previous, resolveConfig({ flags: { name: 'other' }, env: {}, cwd: '/nonexistent' })))).toMatch(/^--name cannot change on resume/);
    expect(userErrorOf(() => mergeResumeConfig(previous, resolveConfig({ flags: {}, env: { FABRIC_ROOT_DIR: '/elsewhere' }, cwd: '/nonexistent' })))).toMatch(/^--root-dir \(set by FABRIC_ROOT_DIR\) cannot change/);
  });

  it("accepts the run's own name and root dir repeated, the root dir also as an absolute path", () => {
    expect(() => mergeResumeConfig(previous, resolveConfig({ flags: { name: 'fabric', rootDir: '/p/runs' }, env: {}, cwd: '/nonexistent' }))).not.toThrow();
  });
});
