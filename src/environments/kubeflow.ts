/**
 * A Kubeflow PyTorchJob: one process per pod, with MASTER_ADDR, MASTER_PORT, WORLD_SIZE and RANK set by the
 * training operator. Never detected on its own (those names are too common to prove anything): choose it with
 * FABRIC_CLUSTER_ENVIRONMENT=kubeflow or detectEnvironment(env, { explicit: 'kubeflow' }).
 */
import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext } from './environment.js';
import { mainAddressFrom, mainPortFrom, requireBelow, requireInt, requirePositive, type VariableOrigin } from './env-values.js';

const ORIGIN: VariableOrigin = {
  launcher: 'the Kubeflow training operator',
  remedy: 'Run the command in a PyTorchJob pod, or drop FABRIC_CLUSTER_ENVIRONMENT=kubeflow to detect the environment automatically.',
};

export function kubeflowEnvironment(env: NodeJS.ProcessEnv, context: EnvironmentContext = {}): DetectedEnvironment {
  const worldSize = requireInt(env, ['WORLD_SIZE'], ORIGIN);
  const globalRank = requireInt(env, ['RANK'], ORIGIN);
  requirePositive(worldSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  const mainAddress = mainAddressFrom(context, env, () => undefined);
  const mainPort = mainPortFrom(context, env, () => undefined);
  if (mainAddress === undefined || mainPort === undefined) {
    const missing = [mainAddress === undefined && 'MASTER_ADDR', mainPort === undefined && 'MASTER_PORT'].filter(Boolean);
    throw new FabricUserError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set, so the pods cannot find rank 0. The Kubeflow training operator sets both in every PyTorchJob pod. ${ORIGIN.remedy}`);
  }
  return {
    name: 'kubeflow',
    externallyLaunched: true,
    launchedBy: 'Kubeflow',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: 0,
    nodeRank: globalRank.value,
    mainAddress,
    mainPort,
    counts: {
      world: { value: worldSize.value, shownAs: `WORLD_SIZE=${worldSize.value}`, fix: (n) => `${n} replicas in the PyTorchJob (Master + Worker)` },
      perNode: { value: 1, shownAs: 'one process per pod' },
      nodes: { value: worldSize.value, shownAs: `WORLD_SIZE=${worldSize.value} pods`, fix: (n) => `${n} replicas in the PyTorchJob (Master + Worker)` },
    },
  };
}
