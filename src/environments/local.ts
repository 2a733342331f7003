import { FabricUserError } from '../errors.js';
import type { ClusterEnvironment } from './environment.js';
import { readInt, readPort, readText, requireBelow, requirePositive, type VariableOrigin } from './env-values.js';

const ORIGIN: VariableOrigin = {
  launcher: '`fabric run model`',
  remedy: 'Start the script with `fabric run model <script.ts>` and leave WORLD_SIZE, RANK, LOCAL_RANK and NODE_RANK to it, or unset them.',
};

/** True in a process our own launcher spawned (it sets both markers; either is enough). */
export function isLaunchedByFabric(env: NodeJS.ProcessEnv): boolean {
  return env.FABRIC_LAUNCHED_BY === 'fabric' || env.FABRIC_CLI === '1';
}

/**
 * Our launcher's variables: WORLD_SIZE, RANK, LOCAL_RANK, NODE_RANK, MASTER_ADDR, MASTER_PORT.
 * Unset means one process on one node (what a plain `node train.js` gets).
 */
export function localEnvironment(env: NodeJS.ProcessEnv): ClusterEnvironment {
  const worldSize = { name: 'WORLD_SIZE', value: readInt(env, 'WORLD_SIZE', ORIGIN) ?? 1 };
  const globalRank = { name: 'RANK', value: readInt(env, 'RANK', ORIGIN) ?? 0 };
  const localRank = { name: 'LOCAL_RANK', value: readInt(env, 'LOCAL_RANK', ORIGIN) ?? 0 };
  requirePositive(worldSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  requireBelow(localRank, worldSize, ORIGIN);
  // Ranks are numbered node by node, so a process cannot be further into its node than into the run.
  if (localRank.value > globalRank.value) {
    throw new FabricUserError(`LOCAL_RANK=${localRank.value} is larger than RANK=${globalRank.value}, which cannot happen when ranks are numbered node by node. ${ORIGIN.remedy}`);
  }
  return {
    name: 'local',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: localRank.value,
    nodeRank: readInt(env, 'NODE_RANK', ORIGIN) ?? 0,
    mainAddress: readText(env, 'MASTER_ADDR') ?? '127.0.0.1',
    mainPort: readPort(env, 'MASTER_PORT'),
  };
}
