import { strategyRefusal } from '../config/unsupported.js';
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

/** Lightning/DeepSpeed spellings of the same strategies. */
const ALIASES: Record<string, string> = { deepspeed_stage_1: 'zero1', deepspeed_stage_2: 'zero2', deepspeed_stage_3: 'fsdp' };

export function createStrategy(name: string, context: StrategyContext): Strategy {
  const canonical = ALIASES[name] ?? name;
  const { worldSize } = context.environment;
  const refusal = strategyRefusal(name, worldSize);
  if (refusal) throw new FabricUserError(refusal);
  if (worldSize === 1 && ['auto', 'single_device', 'ddp', 'zero1', 'zero2', 'fsdp'].includes(canonical)) {
    // Every data-parallel strategy over one rank is single-device training; keep the user's name for logs.
    return new SingleDeviceStrategy(name === 'auto' ? 'single_device' : name);
  }
  const entry = registry.get(canonical === 'auto' ? 'ddp' : canonical);
  if (!entry) {
    throw new FabricUserError(
      `Strategy '${name}' cannot run with ${worldSize} ranks in this version of tfjs-fabric. Available now: ${[...registry.keys()].join(', ')}; use --strategy=ddp.`,
    );
  }
  return entry.factory(context);
}
