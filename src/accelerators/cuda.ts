import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';

const INSTALL_HINT =
  'Install it in your project with `npm install @tensorflow/tfjs-node-gpu` (it needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1, and downloads libtensorflow while installing), or run with --accelerator=cpu.';

export const cudaAccelerator: Accelerator = {
  name: 'cuda',
  description: 'NVIDIA GPUs through @tensorflow/tfjs-node-gpu (an optional peer dependency you install).',
  async isAvailable() {
    return (await importOptional('@tensorflow/tfjs-node-gpu')) !== undefined;
  },
  async resolve(tf: Tf): Promise<ResolvedAccelerator> {
    if ((await importOptional('@tensorflow/tfjs-node-gpu')) === undefined) {
      throw new FabricUserError(`--accelerator=cuda needs the package @tensorflow/tfjs-node-gpu, which is not installed or failed to load. ${INSTALL_HINT}`);
    }
    if (!(await activateBackend(tf, 'tensorflow'))) {
      throw new FabricUserError(`@tensorflow/tfjs-node-gpu loaded but its 'tensorflow' backend could not start (is the NVIDIA driver working? try nvidia-smi). ${INSTALL_HINT}`);
    }
    return { accelerator: 'cuda', backend: 'tensorflow', reason: '@tensorflow/tfjs-node-gpu is installed' };
  },
};
