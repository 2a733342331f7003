/**
 * What `--devices auto` means on this node, by the engine the ranks will run on (see rank-engine.ts):
 * - native CPU (tfjs-node): one rank with every core as its TensorFlow threads. Measured on the 2-core dev machine
 *   (MLP 784-512-512-10, batch 128, Adam): 1 rank x 2 threads trains more samples/s than 2 ranks x 1 thread (DDP),
 *   whose gradient copies and all-reduce eat the second core;
 * - wasm and pure JS: a rank is single-threaded (tfjs cannot start wasm threads in Node), so one rank per core;
 * - cuda: one rank per GPU this process may see (CUDA_VISIBLE_DEVICES), at least one.
 */
import * as os from 'node:os';
import { visibleGpuIds } from '../accelerators/nvidia-gpus.js';
import type { RankEngine } from '../accelerators/predict-engine.js';

export function autoDeviceCount(
  target: { engine: RankEngine; accelerator: string },
  cores: number = os.availableParallelism(),
  gpus: () => number = () => visibleGpuIds(process.env).length,
): number {
  if (target.accelerator === 'cuda') return Math.max(1, gpus());
  if (target.engine === 'wasm' || target.engine === 'js') return Math.max(1, cores);
  return 1;
}

/** Says what auto chose, for the run's first lines. */
export function describeAutoDevices(target: { engine: RankEngine; accelerator: string }, devices: number, cores: number = os.availableParallelism()): string {
  if (target.accelerator === 'cuda') return `tfjs-fabric: --devices auto: ${devices} rank(s), one per visible GPU.`;
  if (target.engine === 'native') return `tfjs-fabric: --devices auto: 1 rank with ${cores} TensorFlow threads (native engine: faster here than one rank per core).`;
  return `tfjs-fabric: --devices auto: ${devices} single-threaded rank(s), one per core (${target.engine} backend).`;
}
