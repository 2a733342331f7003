/**
 * Settings the schema accepts (they are Lightning's names) but tfjs-fabric cannot run, with what to use instead.
 * Kept free of tfjs so that both sides share one rule and one message: the launcher refuses them before any rank
 * or run directory exists, and the rank's registries (accelerators/, strategies/, precision/) refuse them for
 * `new Fabric({...})` used without the CLI.
 */
import type { FabricConfig } from './schema.js';

/** Lightning accelerators with no TensorFlow.js backend on Node. */
const UNSUPPORTED_ACCELERATORS: Readonly<Record<string, string>> = {
  mps: "--accelerator=mps (Apple Metal) has no TensorFlow.js backend on Node. Use --accelerator=cpu (tfjs-node uses Apple's Accelerate on macOS) instead.",
  tpu: '--accelerator=tpu has no TensorFlow.js backend on Node. Use --accelerator=cuda for NVIDIA GPUs or --accelerator=cpu.',
};

/** tfjs-backend-webgpu needs the WebGPU API (`navigator.gpu`); Node itself does not provide it. */
export function hasNavigatorGpu(): boolean {
  return Boolean((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu);
}

export function webgpuWithoutNavigatorGpuMessage(): string {
  return `--accelerator=webgpu needs navigator.gpu, which Node.js ${process.versions.node} does not provide. Use --accelerator=cuda (with @tensorflow/tfjs-node-gpu) for a GPU, or --accelerator=cpu.`;
}

/** Why `name` cannot run in this process (ranks run on the same Node as the launcher), or undefined. */
export function acceleratorRefusal(name: string): string | undefined {
  if (UNSUPPORTED_ACCELERATORS[name]) return UNSUPPORTED_ACCELERATORS[name];
  if (name === 'webgpu' && !hasNavigatorGpu()) return webgpuWithoutNavigatorGpuMessage();
  return undefined;
}

/** Precisions TensorFlow.js cannot offer on any backend. */
const IMPOSSIBLE_PRECISIONS: Readonly<Record<string, string>> = {
  '64-true': '--precision=64-true needs float64 tensors, which TensorFlow.js does not have on any backend. Use --precision=32-true.',
  'transformer-engine': '--precision=transformer-engine needs NVIDIA Transformer Engine (fp8), which TensorFlow.js cannot use. Use --precision=bf16-mixed or 32-true.',
  'transformer-engine-float16': '--precision=transformer-engine-float16 needs NVIDIA Transformer Engine (fp8), which TensorFlow.js cannot use. Use --precision=16-mixed or 32-true.',
};

export function precisionRefusal(name: string): string | undefined {
  return IMPOSSIBLE_PRECISIONS[name];
}

/** Offloading moves state from GPU memory to host memory or disk; with tfjs on CPU it already lives in host memory. */
const OFFLOAD_STRATEGIES = new Set(['deepspeed_stage_2_offload', 'deepspeed_stage_3_offload', 'deepspeed_stage_3_offload_nvme', 'fsdp_cpu_offload']);

/** Why strategy `name` cannot run over `worldSize` ranks, or undefined. */
export function strategyRefusal(name: string, worldSize: number): string | undefined {
  if (OFFLOAD_STRATEGIES.has(name)) {
    const base = name.startsWith('fsdp') ? 'fsdp' : name.replace(/_offload.*/, '');
    return `--strategy=${name} offloads state to ${name.endsWith('nvme') ? 'NVMe disks' : 'CPU memory'}, which tfjs-fabric does not support: tfjs has no way to page tensors out of device memory, and on the cpu accelerator everything is in host memory already. Use --strategy=${base}, which shards the same state across ranks without offloading.`;
  }
  if (name === 'dp') {
    return '--strategy=dp (one process driving several GPUs) does not exist in TensorFlow.js on Node. Use --strategy=ddp, which runs one process per device.';
  }
  if (name === 'single_device' && worldSize > 1) {
    return `--strategy=single_device runs one rank, but this run has ${worldSize} ranks. Use --strategy=ddp, or --devices=1.`;
  }
  return undefined;
}

/** The first setting of `config` that cannot run over `worldSize` ranks, in the order a rank checks them. */
export function unsupportedSettingMessage(config: Pick<FabricConfig, 'accelerator' | 'strategy' | 'precision'>, worldSize: number): string | undefined {
  return acceleratorRefusal(config.accelerator) ?? strategyRefusal(config.strategy, worldSize) ?? precisionRefusal(config.precision);
}
