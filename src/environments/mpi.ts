/**
 * Ranks started by mpirun / mpiexec: Open MPI (OMPI_COMM_WORLD_*) or MPICH's Hydra (PMI_RANK, PMI_SIZE,
 * MPI_LOCALRANKID, MPI_LOCALNRANKS; PMI_LOCAL_RANK / PMI_LOCAL_SIZE on Cray PALS).
 *
 * Node rank is rank / local size: right for mpirun's default block mapping (fill a node, then the next) with the
 * same number of ranks per node. OMPI_COMM_WORLD_NODE_RANK is not a node index despite its name (Open MPI
 * documents it as this process's rank among all jobs' processes on its node), so it is not used for that.
 */
import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext } from './environment.js';
import { firstInt, hasAll, mainAddressFrom, mainPortFrom, portFromJobId, readText, requireBelow, requireInt, requirePositive, type VariableOrigin } from './env-values.js';

interface MpiFlavor {
  readonly name: string;
  readonly rank: string;
  readonly size: string;
  readonly localRank: readonly string[];
  readonly localSize: readonly string[];
  readonly perNodeFlag: string;
}

const OPEN_MPI: MpiFlavor = {
  name: 'Open MPI',
  rank: 'OMPI_COMM_WORLD_RANK',
  size: 'OMPI_COMM_WORLD_SIZE',
  localRank: ['OMPI_COMM_WORLD_LOCAL_RANK'],
  localSize: ['OMPI_COMM_WORLD_LOCAL_SIZE'],
  perNodeFlag: '--npernode',
};

const MPICH: MpiFlavor = {
  name: 'MPICH',
  rank: 'PMI_RANK',
  size: 'PMI_SIZE',
  localRank: ['MPI_LOCALRANKID', 'PMI_LOCAL_RANK'],
  localSize: ['MPI_LOCALNRANKS', 'PMI_LOCAL_SIZE'],
  perNodeFlag: '-ppn',
};

const ORIGIN: VariableOrigin = {
  launcher: 'mpirun',
  remedy: 'Start the command with `mpirun -np <ranks> fabric run model ...`, or set FABRIC_CLUSTER_ENVIRONMENT=local to let Fabric start the ranks itself.',
};

/** Ports 20000-29999, one per MPI job id. */
const PORT_BASE = 20000;
const PORT_SPAN = 10000;

function flavorOf(env: NodeJS.ProcessEnv): MpiFlavor | undefined {
  if (hasAll(env, [OPEN_MPI.rank, OPEN_MPI.size])) return OPEN_MPI;
  if (hasAll(env, [MPICH.rank, MPICH.size])) return MPICH;
  return undefined;
}

export function detectMpi(env: NodeJS.ProcessEnv): boolean {
  return flavorOf(env) !== undefined;
}

/** Rank and size as MPI numbers them (undefined when absent or not numbers), to compare with SLURM's. */
export function mpiRankAndSize(env: NodeJS.ProcessEnv): { rank: number; size: number } | undefined {
  const flavor = flavorOf(env);
  if (!flavor) return undefined;
  const [rank, size] = [Number(readText(env, flavor.rank)), Number(readText(env, flavor.size))];
  return Number.isInteger(rank) && Number.isInteger(size) ? { rank, size } : undefined;
}

/**
 * An id every process of this MPI job shares: Open MPI 4's job id (also the head of its HNP URI), or the
 * PMIx namespace (Open MPI 5). Hydra exposes none in the environment.
 */
export function mpiJobId(env: NodeJS.ProcessEnv): string | undefined {
  const hnpUri = readText(env, 'OMPI_MCA_orte_hnp_uri');
  return readText(env, 'OMPI_MCA_ess_base_jobid') ?? hnpUri?.split(/[.;]/)[0] ?? readText(env, 'PMIX_NAMESPACE');
}

export function mpiEnvironment(env: NodeJS.ProcessEnv, context: EnvironmentContext = {}): DetectedEnvironment {
  const flavor = flavorOf(env) ?? OPEN_MPI;
  const worldSize = requireInt(env, [flavor.size], ORIGIN);
  const globalRank = requireInt(env, [flavor.rank], ORIGIN);
  const localRank = requireInt(env, flavor.localRank, ORIGIN);
  const localSize = requireInt(env, flavor.localSize, ORIGIN);
  requirePositive(worldSize, ORIGIN);
  requirePositive(localSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  requireBelow(localRank, localSize, ORIGIN);
  const nodeCount = firstInt(env, ['OMPI_MCA_orte_num_nodes'], ORIGIN)?.value ?? Math.ceil(worldSize.value / localSize.value);

  const mainAddress = mainAddressFrom(context, env, () => (nodeCount === 1 ? '127.0.0.1' : undefined));
  if (mainAddress === undefined) {
    throw new FabricUserError(
      `mpirun started ${worldSize.value} ranks on ${nodeCount} nodes, and ${flavor.name}'s variables do not say which host runs rank 0. Pass --main-address=<host of rank 0> (usually the first host in your hostfile), or export MASTER_ADDR to every rank (Open MPI: mpirun -x MASTER_ADDR=<host>).`,
    );
  }
  const jobId = mpiJobId(env);
  const mainPort = mainPortFrom(context, env, () => (jobId === undefined ? undefined : portFromJobId(jobId, PORT_BASE, PORT_SPAN)));
  if (mainPort === undefined && worldSize.value > 1) {
    throw new FabricUserError(
      `${flavor.name} does not expose a job id, so the ${worldSize.value} ranks cannot derive a common port for rank 0. Pass --main-port=<free port> (the same on every rank), or export MASTER_PORT to every rank.`,
    );
  }
  return {
    name: 'mpi',
    externallyLaunched: true,
    launchedBy: 'mpirun',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: localRank.value,
    nodeRank: Math.floor(globalRank.value / localSize.value),
    mainAddress,
    mainPort,
    counts: {
      world: { value: worldSize.value, shownAs: `${flavor.size}=${worldSize.value}`, fix: (n) => `\`mpirun -np ${n}\`` },
      perNode: { value: localSize.value, shownAs: `${localSize.name}=${localSize.value}`, fix: (n) => `\`mpirun ${flavor.perNodeFlag} ${n}\`` },
      nodes: { value: nodeCount, shownAs: `${nodeCount} node(s) in this MPI job`, fix: (n) => `a hostfile with ${n} hosts for mpirun` },
    },
  };
}
