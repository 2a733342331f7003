import { hasNavigatorGpu, webgpuWithoutNavigatorGpuMessage } from '../config/unsupported.js';
import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';

export const webgpuAccelerator: Accelerator = {
  name: 'webgpu',
  description: 'WebGPU through @tensorflow/tfjs-backend-webgpu; needs a runtime that provides navigator.gpu.',
  async isAvailable() {
    return hasNavigatorGpu() && (await importOptional('@tensorflow/tfjs-backend-webgpu')) !== undefined;
  },
  async resolve(tf: Tf): Promise<ResolvedAccelerator> {
    if (!hasNavigatorGpu()) {
      throw new FabricUserError(webgpuWithoutNavigatorGpuMessage());
    }
    if ((await importOptional('@tensorflow/tfjs-backend-webgpu')) === undefined || !(await activateBackend(tf, 'webgpu'))) {
      throw new FabricUserError('--accelerator=webgpu needs @tensorflow/tfjs-backend-webgpu: install it with `npm install @tensorflow/tfjs-backend-webgpu`, or use --accelerator=cpu.');
    }
    return { accelerator: 'webgpu', backend: 'webgpu', reason: 'navigator.gpu and @tensorflow/tfjs-backend-webgpu are present' };
  },
};
