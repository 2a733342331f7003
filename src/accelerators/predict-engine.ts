/**
 * Which engine the ranks will run on, decided in the launcher without loading tfjs, by the same rules the rank
 * follows (accelerators/cpu.ts, cuda.ts, registry.ts): the thread budget, `--devices auto` and the cuda
 * preflight depend on it.
 */
import { findNativePackage, TFJS_NODE, TFJS_NODE_GPU, type NativePackage, type NativePackageName } from './native-package.js';
import { noGpuReason } from './nvidia-gpus.js';

export type RankEngine = 'native' | 'wasm' | 'js' | 'webgpu';

export interface PredictedEngine {
  engine: RankEngine;
  /** The accelerator after `auto` and `gpu` are decided: cpu, cuda, webgpu (or a name the rank will refuse). */
  accelerator: string;
  /** The native package the ranks will load, when the engine is native. */
  package?: NativePackage;
}

export type FindPackage = (name: NativePackageName) => NativePackage | undefined;

const builtPackage = (find: FindPackage, name: NativePackageName): NativePackage | undefined => {
  const found = find(name);
  return found?.addonBuilt ? found : undefined;
};

/** The CPU accelerator prefers tfjs-node; tfjs-node-gpu (with its GPUs hidden) comes next; then wasm. */
export function cpuNativePackage(find: FindPackage = findNativePackage): NativePackage | undefined {
  return builtPackage(find, TFJS_NODE) ?? builtPackage(find, TFJS_NODE_GPU);
}

export function predictRankEngine(accelerator: string, env: NodeJS.ProcessEnv, find: FindPackage = findNativePackage, devDir?: string): PredictedEngine {
  if (accelerator === 'cuda' || accelerator === 'gpu') return { engine: 'native', accelerator: 'cuda', package: find(TFJS_NODE_GPU) };
  if (accelerator === 'webgpu') return { engine: 'webgpu', accelerator };
  if (accelerator === 'auto') {
    const gpuPackage = builtPackage(find, TFJS_NODE_GPU);
    if (gpuPackage && noGpuReason(env, devDir) === undefined) return { engine: 'native', accelerator: 'cuda', package: gpuPackage };
  } else if (accelerator !== 'cpu') {
    return { engine: 'js', accelerator };
  }
  const forced = env.FABRIC_TFJS_BACKEND?.trim().toLowerCase();
  if (forced === 'wasm') return { engine: 'wasm', accelerator: 'cpu' };
  if (forced === 'cpu' || forced === 'js') return { engine: 'js', accelerator: 'cpu' };
  const native = cpuNativePackage(find);
  return native ? { engine: 'native', accelerator: 'cpu', package: native } : { engine: 'wasm', accelerator: 'cpu' };
}
