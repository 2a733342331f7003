import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';

function hasNavigatorGpu(): boolean {
  return Boolean((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu);
}

export const webgpuAccelerator: Accelerator = {
  name: 'webgpu',
  description: 'WebGPU through @tensorflow/tfjs-backend-webgpu; needs a runtime that provides navigator.gpu.',
  async isAvailable() {
    return hasNavigatorGpu() && (await importOptional('@tensorflow/tfjs-backend-webgpu')) !== undefined;
  },
  async resolve(tf: Tf): Promise<ResolvedAccelerator> {
    if (!hasNavigatorGpu()) {
      throw new FabricUserError(
        '--accelerator=webgpu needs navigator.gpu, which Node.js 20 does not provide. Use --accelerator=cuda (with @tensorflow/tfjs-node-gpu) for a GPU, or --accelerator=cpu.',
      );
    }
    if ((await importOptional('@tensorflow/tfjs-backend-webgpu')) === undefined || !(await activateBackend(tf, 'webgpu'))) {
      throw new FabricUserError('--accelerator=webgpu needs @tensorflow/tfjs-backend-webgpu: install it with `npm install @tensorflow/tfjs-backend-webgpu`, or use --accelerator=cpu.');
    }
    return { accelerator: 'webgpu', backend: 'webgpu', reason: 'navigator.gpu and @tensorflow/tfjs-backend-webgpu are present' };
  },
};
