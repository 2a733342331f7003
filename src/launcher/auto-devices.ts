/**
 * What `--devices auto` means on this node. On the CPU every rank runs single-threaded (tfjs cannot start wasm
 * threads in Node), so ranks are how a run uses cores: one rank per available core. Where a GPU is used we cannot
 * count GPUs without loading tfjs, which the launcher never does: one rank.
 */
import { createRequire } from 'node:module';
import * as os from 'node:os';

/** Whether the GPU package resolves (resolving loads nothing). */
function gpuPackageInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-node-gpu');
    return true;
  } catch {
    return false;
  }
}

export function autoDeviceCount(accelerator: string, cores: number = os.availableParallelism(), hasGpuPackage: () => boolean = gpuPackageInstalled): number {
  const onCpu = accelerator === 'cpu' || (accelerator === 'auto' && !hasGpuPackage());
  return onCpu ? Math.max(1, cores) : 1;
}
