/**
 * Turns constructor options + the launcher's environment into the parts a Fabric runs on. The recipe:
 *   1. merge `new Fabric({...})` with what the CLI set (FABRIC_* env); the same key set differently is an error
 *   2. accelerator: activate the tfjs backend
 *   3. cluster environment: where this process sits (world size, ranks)
 *   4. strategy: how ranks share work
 *   5. precision
 * Priority: a value given in code and on the command line must agree; otherwise whichever is set; then defaults.
 */
import type { ResolvedAccelerator, Tf } from './accelerators/accelerator.js';
import { resolveAccelerator } from './accelerators/registry.js';
import { configFromEnv } from './config/resolve.js';
import { DEFAULT_CONFIG, type FabricConfig } from './config/schema.js';
import { validateConfigValue } from './config/validate.js';
import type { ClusterEnvironment } from './environments/environment.js';
import { localEnvironment } from './environments/local.js';
import { FabricUserError } from './errors.js';
import type { Precision } from './precision/precision.js';
import { createPrecision } from './precision/registry.js';
import { createStrategy } from './strategies/registry.js';
import type { Strategy } from './strategies/strategy.js';

/** The settings `new Fabric({...})` accepts that the command line can also set. */
export type ConnectorOptions = Partial<Pick<FabricConfig, 'accelerator' | 'strategy' | 'devices' | 'numNodes' | 'precision'>>;

export interface Connection {
  config: FabricConfig;
  accelerator: ResolvedAccelerator;
  environment: ClusterEnvironment;
  strategy: Strategy;
  precision: Precision;
}

/** Step 1, without side effects: the merged config. */
export function mergeOptions(options: ConnectorOptions, env: NodeJS.ProcessEnv): FabricConfig {
  const fromCli = configFromEnv(env);
  // The launcher says where each value really came from (flag, config file:line); fall back to the env name.
  const origins: Record<string, string> = { ...fromCli.origins, ...parseOrigins(env.FABRIC_CONFIG_ORIGINS) };
  const merged: FabricConfig = { ...DEFAULT_CONFIG, ...fromCli.values };
  for (const [key, raw] of Object.entries(options) as [keyof ConnectorOptions, unknown][]) {
    if (raw === undefined) continue;
    const value = validateConfigValue(key, raw, 'new Fabric({...})') as never;
    const cliValue = fromCli.values[key];
    if (env.FABRIC_CLI === '1' && cliValue !== undefined && JSON.stringify(cliValue) !== JSON.stringify(value)) {
      throw new FabricUserError(
        `\`new Fabric({ ${key}: ${JSON.stringify(value)} })\` conflicts with ${key}=${JSON.stringify(cliValue)} given to \`fabric run model\` (${origins[key] ?? 'command line'}). Remove one of them.`,
      );
    }
    merged[key] = value;
  }
  return merged;
}

export async function connect(options: ConnectorOptions, tf: Tf, env: NodeJS.ProcessEnv): Promise<Connection> {
  const config = mergeOptions(options, env);
  const accelerator = await resolveAccelerator(config.accelerator, tf, env);
  const environment = localEnvironment(env);
  const devices = Array.isArray(config.devices) ? config.devices.length : config.devices === 'auto' ? 1 : config.devices;
  if (env.FABRIC_CLI !== '1' && devices * config.numNodes > 1) {
    throw new FabricUserError(`Fabric with devices=${devices} and numNodes=${config.numNodes} needs one process per rank: start the script with \`fabric run model <script.ts> --devices=${devices}\`.`);
  }
  // Under our launcher the token is always set (empty with --insecure); programmatic multi-rank use is refused above.
  const token = config.insecure || env.FABRIC_INSECURE === '1' ? null : (env.FABRIC_TOKEN ?? null);
  const strategy = createStrategy(config.strategy, { environment, token, collectiveTimeoutMs: config.collectiveTimeout * 1000 });
  const precision = createPrecision(config.precision);
  return { config, accelerator, environment, strategy, precision };
}

function parseOrigins(raw: string | undefined): Record<string, string> {
  try {
    return raw ? (JSON.parse(raw) as Record<string, string>) : {};
  } catch {
    return {};
  }
}
