/**
 * torchrun-style launchers (torchrun, torch.distributed.run, or anything that sets the same variables):
 * RANK, WORLD_SIZE, LOCAL_RANK, GROUP_RANK or NODE_RANK, LOCAL_WORLD_SIZE, GROUP_WORLD_SIZE, MASTER_ADDR, MASTER_PORT.
 * Our own launcher sets several of these too; its children are told apart by isLaunchedByFabric (see registry.ts).
 */
import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext } from './environment.js';
import { firstInt, hasAll, mainAddressFrom, mainPortFrom, readText, requireBelow, requireInt, requirePositive, type VariableOrigin } from './env-values.js';

const ORIGIN: VariableOrigin = {
  launcher: 'torchrun (or the torchrun-style launcher that started this process)',
  remedy: 'Check that launcher\'s settings, or unset RANK, WORLD_SIZE and LOCAL_RANK to let `fabric run model` start the ranks itself.',
};

/** The three variables every torchrun-style launcher sets for each worker. */
export const TORCHELASTIC_VARIABLES = ['RANK', 'WORLD_SIZE', 'LOCAL_RANK'] as const;

export function detectTorchElastic(env: NodeJS.ProcessEnv): boolean {
  return hasAll(env, TORCHELASTIC_VARIABLES);
}

export function torchElasticEnvironment(env: NodeJS.ProcessEnv, context: EnvironmentContext = {}): DetectedEnvironment {
  const worldSize = requireInt(env, ['WORLD_SIZE'], ORIGIN);
  const globalRank = requireInt(env, ['RANK'], ORIGIN);
  const localRank = requireInt(env, ['LOCAL_RANK'], ORIGIN);
  const localWorldSize = firstInt(env, ['LOCAL_WORLD_SIZE'], ORIGIN);
  const groupWorldSize = firstInt(env, ['GROUP_WORLD_SIZE'], ORIGIN);
  requirePositive(worldSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  requireBelow(localRank, localWorldSize ?? worldSize, ORIGIN);
  // torchrun numbers ranks node by node, so without GROUP_RANK the node follows from the node's size.
  const nodeRank =
    firstInt(env, ['GROUP_RANK', 'NODE_RANK'], ORIGIN)?.value ??
    (localWorldSize && localWorldSize.value > 0 ? Math.floor(globalRank.value / localWorldSize.value) : 0);
  const singleNode = localWorldSize ? localWorldSize.value === worldSize.value : worldSize.value === 1;
  const mainAddress = mainAddressFrom(context, env, () => (singleNode ? '127.0.0.1' : undefined));
  if (mainAddress === undefined) {
    throw new FabricUserError(
      `MASTER_ADDR is not set, and this run of ${worldSize.value} processes spans several nodes, so Fabric does not know where rank 0 listens. Set MASTER_ADDR (torchrun: --master-addr or --rdzv-endpoint) or pass --main-address=<host of rank 0>.`,
    );
  }
  return {
    name: 'torchelastic',
    externallyLaunched: true,
    launchedBy: 'torchrun',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: localRank.value,
    nodeRank,
    mainAddress,
    mainPort: torchElasticPort(env, context, worldSize.value),
    counts: {
      world: { value: worldSize.value, shownAs: `WORLD_SIZE=${worldSize.value}` },
      ...(localWorldSize && {
        perNode: { value: localWorldSize.value, shownAs: `LOCAL_WORLD_SIZE=${localWorldSize.value}`, fix: (n) => `\`torchrun --nproc-per-node=${n}\`` },
      }),
      ...(groupWorldSize && {
        nodes: { value: groupWorldSize.value, shownAs: `GROUP_WORLD_SIZE=${groupWorldSize.value}`, fix: (n) => `\`torchrun --nnodes=${n}\`` },
      }),
    },
  };
}

function torchElasticPort(env: NodeJS.ProcessEnv, context: EnvironmentContext, worldSize: number): number | undefined {
  const given = mainPortFrom(context, env, () => undefined);
  if (given === undefined) {
    if (worldSize === 1) return undefined;
    throw new FabricUserError(
      `MASTER_PORT is not set, so the ${worldSize} processes cannot agree on where rank 0 listens. Set MASTER_PORT (torchrun: --master-port) or pass --main-port=<free port>.`,
    );
  }
  // torchrun's agent already serves its own store on MASTER_PORT when workers share it; take the next port.
  const agentOwnsPort = context.mainPort === undefined && readText(env, 'TORCHELASTIC_USE_AGENT_STORE')?.toLowerCase() === 'true';
  if (!agentOwnsPort) return given;
  return given < 65535 ? given + 1 : given - 1;
}
