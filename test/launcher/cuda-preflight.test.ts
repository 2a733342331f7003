import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TFJS_NODE, TFJS_NODE_GPU, type NativePackage, type NativePackageName } from '../../src/accelerators/native-package.js';
import { assertCudaReady } from '../../src/launcher/cuda-preflight.js';
import { predictRankEngine } from '../../src/accelerators/predict-engine.js';
import { userErrorOf } from '../helpers/user-error.js';

const pkg = (name: NativePackageName, addonBuilt = true): NativePackage => ({ name, version: '4.22.0', dir: `/m/${name}`, addonPath: `/m/${name}/lib/napi-v8/tfjs_binding.node`, addonBuilt });
/** Which packages are installed, as the launcher would find them. */
const installed = (...packages: NativePackage[]) => (name: NativePackageName) => packages.find((p) => p.name === name);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-rank-engine-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const noGpuDev = fs.mkdtempSync(path.join(tmp, 'dev-'));
const twoGpuDev = fs.mkdtempSync(path.join(tmp, 'dev-'));
for (const name of ['nvidia0', 'nvidia1', 'nvidiactl']) fs.writeFileSync(path.join(twoGpuDev, name), '');

describe('assertCudaReady', () => {
  const cuda = (...packages: NativePackage[]) => predictRankEngine('cuda', {}, installed(...packages));

  it('names the missing package, or the missing addon with the commands that build it', () => {
    expect(userErrorOf(() => assertCudaReady(cuda(pkg(TFJS_NODE)), {}, twoGpuDev))).toMatch(/^--accelerator=cuda needs the package @tensorflow\/tfjs-node-gpu, which is not installed\. Install it/);
    expect(userErrorOf(() => assertCudaReady(cuda(pkg(TFJS_NODE_GPU, false)), {}, twoGpuDev))).toContain('npm install-scripts approve @tensorflow/tfjs-node-gpu');
  });

  it('refuses to start without a visible GPU instead of running on the CPU', () => {
    expect(userErrorOf(() => assertCudaReady(cuda(pkg(TFJS_NODE_GPU)), {}, noGpuDev))).toMatch(/^--accelerator=cuda found no GPU to run on: no NVIDIA GPU was found on this machine.*Use --accelerator=cpu/);
    expect(userErrorOf(() => assertCudaReady(cuda(pkg(TFJS_NODE_GPU)), { CUDA_VISIBLE_DEVICES: '' }, twoGpuDev))).toContain("CUDA_VISIBLE_DEVICES='' hides all 2 NVIDIA GPU(s)");
    expect(() => assertCudaReady(cuda(pkg(TFJS_NODE_GPU)), {}, twoGpuDev)).not.toThrow();
    expect(() => assertCudaReady(predictRankEngine('cpu', {}, installed()), {}, noGpuDev)).not.toThrow();
  });
});
