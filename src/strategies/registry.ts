import { FabricUserError } from '../errors.js';
import type { ClusterEnvironment } from '../environments/environment.js';
import { DdpStrategy } from './ddp.js';
import { ShardedStrategy } from './sharded.js';
import { SingleDeviceStrategy } from './single-device.js';
import type { Strategy } from './strategy.js';

export interface StrategyContext {
  environment: ClusterEnvironment;
  /** Shared secret for authenticating ranks; null when the user chose --insecure. */
  token: string | null;
  collectiveTimeoutMs: number;
}

type StrategyFactory = (context: StrategyContext) => Strategy;

const registry = new Map<string, { factory: StrategyFactory; description: string }>();

export function registerStrategy(name: string, factory: StrategyFactory, description: string): void {
  if (registry.has(name)) throw new Error(`A strategy named '${name}' is already registered; pick another name.`);
  registry.set(name, { factory, description });
}

registerStrategy('single_device', () => new SingleDeviceStrategy(), 'One process, one device; collectives are identities.');
registerStrategy('ddp', (c) => new DdpStrategy(c.environment, { token: c.token, timeoutMs: c.collectiveTimeoutMs }), 'Every rank holds the model; gradients are averaged after each backward.');

for (const [stage, description] of [
  ['zero1', 'Optimizer state sharded across ranks (ZeRO stage 1); gradients all-reduced.'],
  ['zero2', 'Optimizer state and gradients sharded (ZeRO stage 2); gradients reduce-scattered.'],
  ['fsdp', 'Optimizer state, gradients and parameters sharded (ZeRO stage 3); parameters gathered for each forward.'],
] as const) {
  registerStrategy(stage, (c) => new ShardedStrategy(stage, c.environment, { token: c.token, timeoutMs: c.collectiveTimeoutMs }), description);
}

/** Offloading moves state from GPU memory to host memory or disk; with tfjs on CPU it already lives in host memory. */
const OFFLOAD = new Set(['deepspeed_stage_2_offload', 'deepspeed_stage_3_offload', 'deepspeed_stage_3_offload_nvme', 'fsdp_cpu_offload']);

/** Lightning/DeepSpeed spellings of the same strategies. */
const ALIASES: Record<string, string> = { deepspeed_stage_1: 'zero1', deepspeed_stage_2: 'zero2', deepspeed_stage_3: 'fsdp' };

export function createStrategy(name: string, context: StrategyContext): Strategy {
  const canonical = ALIASES[name] ?? name;
  if (OFFLOAD.has(name)) {
    const base = name.startsWith('fsdp') ? 'fsdp' : name.replace(/_offload.*/, '');
    throw new FabricUserError(
      `--strategy=${name} offloads state to ${name.endsWith('nvme') ? 'NVMe disks' : 'CPU memory'}, which tfjs-fabric does not support: tfjs has no way to page tensors out of device memory, and on the cpu accelerator everything is in host memory already. Use --strategy=${base}, which shards the same state across ranks without offloading.`,
    );
  }
  const { worldSize } = context.environment;
  if (worldSize === 1 && ['auto', 'single_device', 'ddp', 'zero1', 'zero2', 'fsdp'].includes(canonical)) {
    // Every data-parallel strategy over one rank is single-device training; keep the user's name for logs.
    return new SingleDeviceStrategy(name === 'auto' ? 'single_device' : name);
  }
  if (canonical === 'dp') {
    throw new FabricUserError("--strategy=dp (one process driving several GPUs) does not exist in TensorFlow.js on Node. Use --strategy=ddp, which runs one process per device.");
  }
  const entry = registry.get(canonical === 'auto' ? 'ddp' : canonical);
  if (!entry) {
    throw new FabricUserError(
      `Strategy '${name}' cannot run with ${worldSize} ranks in this version of tfjs-fabric. Available now: ${[...registry.keys()].join(', ')}; use --strategy=ddp.`,
    );
  }
  if (canonical === 'single_device') {
    throw new FabricUserError(`--strategy=single_device runs one rank, but this run has ${worldSize} ranks. Use --strategy=ddp, or --devices=1.`);
  }
  return entry.factory(context);
}
