import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, removeTempDirs, runCli } from '../helpers/cli.js';
import * as fs from 'node:fs';
import * as path from 'node:path';

afterAll(() => removeTempDirs());

describe('fabric env', () => {
  it('prints versions, which backends load, and the resolved config with its sources', async () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, 'fabric.config.yaml'), 'precision: 32-true\nseed: 3\n');
    const result = await runCli(['env'], { cwd, env: { FABRIC_NAME: 'from-env' } });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/@tensorflow\/tfjs\s+4\.\d+\.\d+/);
    expect(result.stdout).toMatch(/wasm\s+@tensorflow\/tfjs-backend-wasm\s+yes/);
    expect(result.stdout).toMatch(/tensorflow\s+@tensorflow\/tfjs-node\s+no/);
    expect(result.stdout).toContain('--accelerator=cpu  -> wasm');
    expect(result.stdout).toMatch(/faster wasm kernels: BatchMatMul, Identity, Cast/);
    expect(result.stdout).toMatch(/seed\s+3\s+.*fabric\.config\.yaml:2:1/);
    expect(result.stdout).toMatch(/name\s+"from-env"\s+FABRIC_NAME/);
  });

  it('gives machine-readable JSON and honours FABRIC_TFJS_BACKEND', async () => {
    const cwd = makeTempDir();
    const result = await runCli(['env', '--json'], { cwd, env: { FABRIC_TFJS_BACKEND: 'cpu' } });
    expect(result.code, result.output).toBe(0);
    const report = JSON.parse(result.stdout) as { resolvedAccelerator: { cpu: string }; forcedBackend: string };
    expect(report.forcedBackend).toBe('cpu');
    expect(report.resolvedAccelerator.cpu).toMatch(/^cpu \(forced by FABRIC_TFJS_BACKEND=cpu\)/);
  });

  it('reports a broken project config in one paragraph', async () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, 'fabric.config.yaml'), 'precison: 32\n');
    const result = await runCli(['env'], { cwd });
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.output)).toContain("Did you mean 'precision'?");
  });
});
