import { FabricUserError } from '../errors.js';
import type { ClusterEnvironment } from '../environments/environment.js';
import { SingleDeviceStrategy } from './single-device.js';
import type { Strategy } from './strategy.js';

type StrategyFactory = (environment: ClusterEnvironment) => Strategy;

const registry = new Map<string, { factory: StrategyFactory; description: string }>();

export function registerStrategy(name: string, factory: StrategyFactory, description: string): void {
  if (registry.has(name)) throw new Error(`A strategy named '${name}' is already registered; pick another name.`);
  registry.set(name, { factory, description });
}

registerStrategy('single_device', () => new SingleDeviceStrategy(), 'One process, one device; collectives are identities.');

/** Lightning/DeepSpeed spellings of the same strategies. */
const ALIASES: Record<string, string> = { deepspeed_stage_1: 'zero1', deepspeed_stage_2: 'zero2', deepspeed_stage_3: 'fsdp' };

export function createStrategy(name: string, environment: ClusterEnvironment): Strategy {
  const canonical = ALIASES[name] ?? name;
  if (environment.worldSize === 1 && ['auto', 'ddp', 'dp', 'zero1', 'zero2', 'fsdp'].includes(canonical)) {
    // Every data-parallel strategy over one rank is single-device training; keep the user's name for logs.
    return new SingleDeviceStrategy(name === 'auto' ? 'single_device' : name);
  }
  const entry = registry.get(canonical);
  if (!entry) {
    throw new FabricUserError(
      `Strategy '${name}' cannot run with ${environment.worldSize} ranks in this version of tfjs-fabric. Available now: ${[...registry.keys()].join(', ')}; use --devices=1 or one of those.`,
    );
  }
  return entry.factory(environment);
}
