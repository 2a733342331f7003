/**
 * What `--devices auto` means on this node, by the engine the ranks will run on (see rank-engine.ts):
 * - native CPU (tfjs-node): one single-threaded rank per core. Measured on the quiet 2-core dev machine (MLP
 *   784-512-512-10, batch 128 per rank, Adam; bench/engine.ts --sections ddp, 5 rounds in two runs): 2 ranks x 1
 *   thread (DDP) trained 1.24-1.36x the samples/s of 1 rank x 2 threads, which was no faster than 1 rank x 1 thread;
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
  return Math.max(1, cores);
}

/** Says what auto chose, for the run's first lines. */
export function describeAutoDevices(target: { engine: RankEngine; accelerator: string }, devices: number): string {
  if (target.accelerator === 'cuda') return `tfjs-fabric: --devices auto: ${devices} rank(s), one per visible GPU.`;
  if (target.engine === 'native') return `tfjs-fabric: --devices auto: ${devices} rank(s) with 1 TensorFlow thread each, one per core (native engine: faster than one rank with every core).`;
  return `tfjs-fabric: --devices auto: ${devices} single-threaded rank(s), one per core (${target.engine} backend).`;
}
