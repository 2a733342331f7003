import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativePackage, TFJS_NODE, TFJS_NODE_GPU, type NativePackage, type NativePackageName } from '../../src/accelerators/native-package.js';
import { predictRankEngine } from '../../src/accelerators/predict-engine.js';

const pkg = (name: NativePackageName, addonBuilt = true): NativePackage => ({ name, version: '4.22.0', dir: `/m/${name}`, addonPath: `/m/${name}/lib/napi-v8/tfjs_binding.node`, addonBuilt });
/** Which packages are installed, as the launcher would find them. */
const installed = (...packages: NativePackage[]) => (name: NativePackageName) => packages.find((p) => p.name === name);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-rank-engine-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const noGpuDev = fs.mkdtempSync(path.join(tmp, 'dev-'));
const twoGpuDev = fs.mkdtempSync(path.join(tmp, 'dev-'));
for (const name of ['nvidia0', 'nvidia1', 'nvidiactl']) fs.writeFileSync(path.join(twoGpuDev, name), '');

describe('predictRankEngine', () => {
  it('cpu prefers tfjs-node, then tfjs-node-gpu (run on the CPU), then wasm; a package without its addon does not count', () => {
    expect(predictRankEngine('cpu', {}, installed(pkg(TFJS_NODE), pkg(TFJS_NODE_GPU)))).toMatchObject({ engine: 'native', accelerator: 'cpu', package: { name: TFJS_NODE } });
    expect(predictRankEngine('cpu', {}, installed(pkg(TFJS_NODE_GPU)))).toMatchObject({ engine: 'native', package: { name: TFJS_NODE_GPU } });
    expect(predictRankEngine('cpu', {}, installed(pkg(TFJS_NODE, false)))).toEqual({ engine: 'wasm', accelerator: 'cpu' });
    expect(predictRankEngine('cpu', {}, installed())).toEqual({ engine: 'wasm', accelerator: 'cpu' });
  });

  it('follows FABRIC_TFJS_BACKEND as the rank does', () => {
    expect(predictRankEngine('cpu', { FABRIC_TFJS_BACKEND: 'wasm' }, installed(pkg(TFJS_NODE))).engine).toBe('wasm');
    expect(predictRankEngine('auto', { FABRIC_TFJS_BACKEND: 'cpu' }, installed(pkg(TFJS_NODE))).engine).toBe('js');
  });

  it('cuda always means tfjs-node-gpu, never the CPU package; auto picks cuda only with the package and a visible GPU', () => {
    expect(predictRankEngine('cuda', {}, installed(pkg(TFJS_NODE)))).toEqual({ engine: 'native', accelerator: 'cuda', package: undefined });
    expect(predictRankEngine('gpu', {}, installed(pkg(TFJS_NODE_GPU))).package?.name).toBe(TFJS_NODE_GPU);
    expect(predictRankEngine('auto', {}, installed(pkg(TFJS_NODE_GPU)), twoGpuDev).accelerator).toBe('cuda');
    expect(predictRankEngine('auto', {}, installed(pkg(TFJS_NODE_GPU)), noGpuDev)).toMatchObject({ accelerator: 'cpu', engine: 'native' });
    expect(predictRankEngine('auto', { CUDA_VISIBLE_DEVICES: '-1' }, installed(pkg(TFJS_NODE_GPU)), twoGpuDev).accelerator).toBe('cpu');
  });

  it('on this machine predicts native exactly when tfjs-node has its addon', () => {
    const native = findNativePackage(TFJS_NODE)?.addonBuilt === true;
    expect(predictRankEngine('cpu', {}).engine).toBe(native ? 'native' : 'wasm');
  });
});
