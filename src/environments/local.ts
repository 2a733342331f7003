import type { ClusterEnvironment } from './environment.js';

/** The launcher's (and torchrun's) variables: WORLD_SIZE, RANK, LOCAL_RANK, NODE_RANK, MASTER_ADDR, MASTER_PORT. */
export function localEnvironment(env: NodeJS.ProcessEnv): ClusterEnvironment {
  const int = (name: string, fallback: number) => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw new Error(`Environment variable ${name}='${raw}' is not a non-negative integer.`);
    return value;
  };
  const worldSize = Math.max(1, int('WORLD_SIZE', 1));
  const globalRank = int('RANK', 0);
  if (globalRank >= worldSize) throw new Error(`RANK=${globalRank} is not below WORLD_SIZE=${worldSize}.`);
  const port = env.MASTER_PORT ? Number(env.MASTER_PORT) : undefined;
  return {
    name: 'local',
    worldSize,
    globalRank,
    localRank: int('LOCAL_RANK', 0),
    nodeRank: int('NODE_RANK', 0),
    mainAddress: env.MASTER_ADDR || '127.0.0.1',
    mainPort: port,
  };
}
