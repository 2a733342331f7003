/**
 * `--preset` in a project made by `fabric init`: the template's fabric.config.yaml sits above the preset, so it must
 * not pin values the preset sets, and a value that does beat the preset is named in one warning line per key.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, removeTempDirs, runCli, runVersions } from '../helpers/cli.js';

afterAll(() => removeTempDirs());

async function initProject(): Promise<string> {
  const base = makeTempDir();
  const result = await runCli(['init', 'proj', '--template', 'minimal'], { cwd: base });
  expect(result.code, result.output).toBe(0);
  return path.join(base, 'proj');
}

async function trainWithPreset(project: string, preset: string, env: Record<string, string> = {}) {
  const rootDir = path.join(project, 'runs');
  const result = await runCli(['run', 'model', '--preset', preset, `--root-dir=${rootDir}`, '--no-tui', fixture('tiny-train.ts'), '--steps', '2'], { cwd: project, env });
  expect(result.code, result.output).toBe(0);
  const version = runVersions(rootDir, 'proj').at(-1)!;
  const info = JSON.parse(fs.readFileSync(path.join(rootDir, 'proj', version, 'run.json'), 'utf8')) as { config: Record<string, unknown> };
  const warnings = result.stderr.split('\n').filter((line) => line.includes('--preset'));
  return { config: info.config, warnings };
}

describe('--preset in a `fabric init` project', () => {
  it('--preset bf16 trains in bf16-mixed without a warning: the template file no longer pins precision', async () => {
    const project = await initProject();
    const { config, warnings } = await trainWithPreset(project, 'bf16');
    expect(config.precision).toBe('bf16-mixed');
    expect(warnings).toEqual([]);
  });

  it('a value in ./fabric.config.yaml or FABRIC_* that beats the preset is named in one warning line per key', async () => {
    const project = await initProject();
    fs.appendFileSync(path.join(project, 'fabric.config.yaml'), 'precision: 32-true\n');
    const line = fs.readFileSync(path.join(project, 'fabric.config.yaml'), 'utf8').split('\n').indexOf('precision: 32-true') + 1;
    const fromFile = await trainWithPreset(project, 'bf16');
    expect(fromFile.config.precision).toBe('32-true');
    expect(fromFile.warnings).toEqual([
      `tfjs-fabric: warning: --preset bf16 sets precision: bf16-mixed, but ./fabric.config.yaml:${line}:1 sets 32-true, which wins (flags > env > --config > ./fabric.config.yaml > preset).`,
    ]);

    const fromEnv = await trainWithPreset(project, 'bf16', { FABRIC_PRECISION: '16-mixed' });
    expect(fromEnv.config.precision).toBe('16-mixed');
    expect(fromEnv.warnings).toEqual([
      'tfjs-fabric: warning: --preset bf16 sets precision: bf16-mixed, but FABRIC_PRECISION sets 16-mixed, which wins (flags > env > --config > ./fabric.config.yaml > preset).',
    ]);
  });
});
