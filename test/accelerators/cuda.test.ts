import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { activateBackend, importOptional } from '../../src/accelerators/accelerator.js';
import { assertTensorflowUsesGpu } from '../../src/accelerators/cuda.js';
import { findNativePackage, TFJS_NODE, TFJS_NODE_GPU } from '../../src/accelerators/native-package.js';
import { resolveAccelerator } from '../../src/accelerators/registry.js';
import { userErrorFrom, userErrorOf } from '../helpers/user-error.js';

describe('cuda accelerator', () => {
  it.skipIf(findNativePackage(TFJS_NODE_GPU))('without tfjs-node-gpu is a clear error, even where tfjs-node (CPU) is installed', async () => {
    const error = await userErrorFrom(resolveAccelerator('cuda', tf, {}));
    expect(error.message).toMatch(/^--accelerator=cuda needs the package @tensorflow\/tfjs-node-gpu: .*npm install @tensorflow\/tfjs-node-gpu.*--accelerator=cpu/);
    expect(tf.getBackend()).not.toBe('tensorflow');
  });

  it.runIf(findNativePackage(TFJS_NODE)?.addonBuilt)('refuses a TensorFlow that found no GPU instead of computing on the CPU (checked on the CPU build, which has none)', async () => {
    expect(await importOptional(TFJS_NODE)).toBeDefined();
    expect(await activateBackend(tf, 'tensorflow')).toBe(true);
    expect((tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice).toBe(false);
    expect(userErrorOf(() => assertTensorflowUsesGpu(tf))).toMatch(/^--accelerator=cuda found no GPU to run on: .*does not fall back to the CPU/);
  });
});
