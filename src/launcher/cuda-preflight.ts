/**
 * Before a cuda run starts any rank: the GPU package must be there with its addon, and a GPU must be visible.
 * One clear error here beats the same error from every rank (each rank checks again when it loads the package).
 */
import { CUDA_INSTALL_HINT, missingAddonAdvice, TFJS_NODE_GPU } from '../accelerators/native-package.js';
import { noGpuReason } from '../accelerators/nvidia-gpus.js';
import { FabricUserError } from '../errors.js';
import type { PredictedEngine } from '../accelerators/predict-engine.js';

export function assertCudaReady(target: PredictedEngine, env: NodeJS.ProcessEnv, devDir?: string): void {
  if (target.accelerator !== 'cuda') return;
  if (!target.package) throw new FabricUserError(`--accelerator=cuda needs the package ${TFJS_NODE_GPU}, which is not installed. ${CUDA_INSTALL_HINT}`);
  if (!target.package.addonBuilt) throw new FabricUserError(`--accelerator=cuda cannot start: ${missingAddonAdvice(target.package)}`);
  const reason = noGpuReason(env, devDir);
  // Never fall back to the CPU quietly: the user asked for a GPU.
  if (reason) throw new FabricUserError(`--accelerator=cuda found no GPU to run on: ${reason}. Use --accelerator=cpu to train on the CPU.`);
}
