import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';
import { CUDA_INSTALL_HINT, findNativePackage, missingAddonAdvice, TFJS_NODE_GPU } from './native-package.js';
import { noGpuReason } from './nvidia-gpus.js';

export const cudaAccelerator: Accelerator = {
  name: 'cuda',
  description: 'NVIDIA GPUs through @tensorflow/tfjs-node-gpu (an optional peer dependency you install). Never falls back to the CPU.',
  /** Without loading anything: the package has its addon and a GPU is visible (what `auto` asks). */
  async isAvailable() {
    return findNativePackage(TFJS_NODE_GPU)?.addonBuilt === true && noGpuReason(process.env) === undefined;
  },
  async resolve(tf: Tf): Promise<ResolvedAccelerator> {
    // Only the GPU package: tfjs-node (CPU) registers the same backend name and must never stand in for it.
    if ((await importOptional(TFJS_NODE_GPU)) === undefined) {
      const installed = findNativePackage(TFJS_NODE_GPU);
      const detail = installed && !installed.addonBuilt ? missingAddonAdvice(installed) : `${TFJS_NODE_GPU} is not installed or failed to load (\`fabric env\` shows why). ${CUDA_INSTALL_HINT}`;
      throw new FabricUserError(`--accelerator=cuda needs the package ${TFJS_NODE_GPU}: ${detail}`);
    }
    if (!(await activateBackend(tf, 'tensorflow'))) {
      throw new FabricUserError(`${TFJS_NODE_GPU} loaded but its 'tensorflow' backend could not start (is the NVIDIA driver working? try nvidia-smi). ${CUDA_INSTALL_HINT}`);
    }
    assertTensorflowUsesGpu(tf);
    return { accelerator: 'cuda', backend: 'tensorflow', reason: `${TFJS_NODE_GPU} is installed and TensorFlow found a GPU` };
  },
};

/** The binding tells whether TensorFlow found a GPU device; without one it would quietly compute on the CPU. */
export function assertTensorflowUsesGpu(tf: Tf): void {
  const backend = tf.backend() as { isUsingGpuDevice?: boolean };
  if (backend.isUsingGpuDevice === true) return;
  const why = noGpuReason(process.env) ?? 'TensorFlow lists no GPU device (a CUDA or cuDNN library may be missing or the wrong version; TensorFlow says which when loaded with --verbose)';
  throw new FabricUserError(`--accelerator=cuda found no GPU to run on: ${why}. It does not fall back to the CPU; use --accelerator=cpu for that.`);
}
