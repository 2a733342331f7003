import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, removeTempDirs, runCli } from '../helpers/cli.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { findNativePackage, TFJS_NODE, TFJS_NODE_GPU } from '../../src/accelerators/native-package.js';

/** Whether tfjs-node's addon was built here (CI builds it with scripts/build-tfjs-node.sh). */
const nativeBuilt = findNativePackage(TFJS_NODE)?.addonBuilt === true;

afterAll(() => removeTempDirs());

describe('fabric env', () => {
  it('prints versions, the native engine, which backends load, threads and the resolved config with its sources', async () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, 'fabric.config.yaml'), 'precision: 32-true\nseed: 3\n');
    const result = await runCli(['env'], { cwd, env: { FABRIC_NAME: 'from-env', FABRIC_TFJS_BACKEND: undefined, TF_NUM_INTRAOP_THREADS: '3' } });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/@tensorflow\/tfjs\s+4\.\d+\.\d+/);
    expect(result.stdout).toMatch(/wasm\s+@tensorflow\/tfjs-backend-wasm\s+yes/);
    if (nativeBuilt) {
      expect(result.stdout).toMatch(/@tensorflow\/tfjs-node\s+4\.22\.0, addon loads, libtensorflow \d+\.\d+\.\d+/);
      expect(result.stdout).toMatch(/--accelerator=cpu {2}-> tensorflow \(cpu: @tensorflow\/tfjs-node 4\.22\.0, libtensorflow/);
    } else {
      expect(result.stdout).toMatch(/--accelerator=cpu {2}-> wasm/);
    }
    if (!findNativePackage(TFJS_NODE_GPU)) expect(result.stdout).toMatch(/@tensorflow\/tfjs-node-gpu\s+not installed/);
    expect(result.stdout).toMatch(/wasm engine: SIMD on, .*faster wasm kernels: BatchMatMul, Identity, Cast/);
    expect(result.stdout).toMatch(/wasm kernel coverage: ours: \d+ \(BatchMatMul/);
    expect(result.stdout).toMatch(new RegExp(`cores\\s+${os.availableParallelism()}\\n`));
    expect(result.stdout).toMatch(/threadsPerRank\s+auto \(default\): each rank gets cores \/ local ranks: 1 rank\(s\) -> /);
    expect(result.stdout).toMatch(/TF_NUM_INTRAOP_THREADS\s+3\n/);
    expect(result.stdout).toMatch(/TF_NUM_INTEROP_THREADS\s+unset \(Fabric sets it per rank\)/);
    expect(result.stdout).toMatch(/seed\s+3\s+.*fabric\.config\.yaml:2:1/);
    expect(result.stdout).toMatch(/name\s+"from-env"\s+FABRIC_NAME/);
    // The addon loads in a child process whose TensorFlow messages stay there.
    expect(result.stderr).not.toMatch(/absl|oneDNN|cpu_feature_guard|looks like you are running TensorFlow\.js/);
  });

  it('carries the same facts in --json: the native packages, their addon and libtensorflow version, and threads', async () => {
    const cwd = makeTempDir();
    const result = await runCli(['env', '--json'], { cwd, env: { FABRIC_TFJS_BACKEND: undefined, FABRIC_THREADS_PER_RANK: '2' } });
    expect(result.code, result.output).toBe(0);
    const report = JSON.parse(result.stdout) as {
      native: { package: string; installed: boolean; addonBuilt?: boolean; loads?: boolean; tensorflowVersion?: string }[];
      threads: { cores: number; threadsPerRank: unknown; threadsPerRankFrom: string; environment: Record<string, string | null> };
      wasmKernelCoverage: Record<string, string[]> | null;
    };
    const cpuPackage = report.native.find((p) => p.package === TFJS_NODE)!;
    expect(cpuPackage.installed).toBe(true);
    expect(cpuPackage.loads).toBe(nativeBuilt);
    if (nativeBuilt) expect(cpuPackage.tensorflowVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(report.native.map((p) => p.package)).toEqual([TFJS_NODE, TFJS_NODE_GPU]);
    expect(report.threads).toMatchObject({ cores: os.availableParallelism(), threadsPerRank: 2, threadsPerRankFrom: 'FABRIC_THREADS_PER_RANK' });
    expect(Object.keys(report.threads.environment)).toEqual(['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS', 'TF_CPP_MIN_LOG_LEVEL']);
    expect(report.wasmKernelCoverage).not.toBeNull();
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
