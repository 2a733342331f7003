/**
 * Which cluster started this process. Order of the questions:
 *   1. FABRIC_CLUSTER_ENVIRONMENT=<name> (or options.explicit, which wins over it) forces one; 'auto' detects.
 *   2. A child of our own launcher (FABRIC_LAUNCHED_BY=fabric or FABRIC_CLI=1) is 'local': the launcher already
 *      turned whatever cluster it found into WORLD_SIZE, RANK, LOCAL_RANK, NODE_RANK, MASTER_ADDR, MASTER_PORT.
 *   3. Detection in registration order: torchelastic > slurm > lsf > mpi. Kubeflow is never detected.
 *      One exception: mpirun/mpiexec run inside a SLURM job start their ranks through one srun task per node,
 *      so SLURM_PROCID is the node's and not the rank's; when MPI's rank or size disagree with SLURM's, MPI wins.
 *   4. Otherwise 'local': `fabric run model` spawns the ranks itself.
 */
import { didYouMean } from '../config/suggest.js';
import { FabricUserError, isFabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext } from './environment.js';
import { readText } from './env-values.js';
import { kubeflowEnvironment } from './kubeflow.js';
import { isLaunchedByFabric, localEnvironment } from './local.js';
import { detectLsf, lsfEnvironment } from './lsf.js';
import { detectMpi, mpiEnvironment, mpiRankAndSize } from './mpi.js';
import { detectSlurm, slurmEnvironment } from './slurm.js';
import { detectTorchElastic, torchElasticEnvironment } from './torchelastic.js';

export { validateAgainstFlags, type FlagCounts } from './validate-counts.js';

export type EnvironmentFactory = (env: NodeJS.ProcessEnv, context: EnvironmentContext) => DetectedEnvironment;

interface EnvironmentEntry {
  readonly factory: EnvironmentFactory;
  readonly description: string;
  /** Absent: chosen only explicitly (kubeflow) or as the fallback (local). */
  readonly detect?: (env: NodeJS.ProcessEnv) => boolean;
}

const registry = new Map<string, EnvironmentEntry>();

export const CLUSTER_ENVIRONMENT_VARIABLE = 'FABRIC_CLUSTER_ENVIRONMENT';
const ALIASES: Record<string, string> = { torchrun: 'torchelastic', openmpi: 'mpi', mpich: 'mpi' };

/** Adds an environment; detection asks them in registration order. */
export function registerEnvironment(name: string, factory: EnvironmentFactory, description: string, detect?: (env: NodeJS.ProcessEnv) => boolean): void {
  if (registry.has(name)) throw new Error(`A cluster environment named '${name}' is already registered; pick another name.`);
  registry.set(name, { factory, description, ...(detect && { detect }) });
}

/** Our launcher's variables as a DetectedEnvironment; flags given on the command line win over MASTER_*. */
function localDetected(env: NodeJS.ProcessEnv, context: EnvironmentContext): DetectedEnvironment {
  const local = localEnvironment(env);
  return {
    ...local,
    mainAddress: context.mainAddress ?? local.mainAddress,
    mainPort: context.mainPort ?? local.mainPort,
    externallyLaunched: false,
    launchedBy: 'fabric',
    counts: {},
  };
}

/** SLURM, unless an MPI launcher inside the job numbered this process differently (see 3. above). */
function detectSlurmTask(env: NodeJS.ProcessEnv): boolean {
  if (!detectSlurm(env)) return false;
  const mpi = mpiRankAndSize(env);
  return !mpi || (mpi.rank === Number(readText(env, 'SLURM_PROCID')) && mpi.size === Number(readText(env, 'SLURM_NTASKS')));
}

registerEnvironment('torchelastic', torchElasticEnvironment, 'torchrun or a launcher that sets RANK, WORLD_SIZE and LOCAL_RANK the same way.', detectTorchElastic);
registerEnvironment('slurm', slurmEnvironment, 'SLURM, one task per rank started by srun.', detectSlurmTask);
registerEnvironment('lsf', lsfEnvironment, 'IBM LSF, ranks started by jsrun.', detectLsf);
registerEnvironment('mpi', mpiEnvironment, 'Open MPI or MPICH, ranks started by mpirun / mpiexec.', detectMpi);
registerEnvironment('kubeflow', kubeflowEnvironment, 'A Kubeflow PyTorchJob, one process per pod (only when chosen explicitly).');
registerEnvironment('local', localDetected, '`fabric run model` starts the ranks of this node itself.');

export function environmentNames(): string[] {
  return [...registry.keys()];
}

export function describeEnvironments(): { name: string; description: string }[] {
  return [...registry].map(([name, entry]) => ({ name, description: entry.description }));
}

export interface DetectOptions extends EnvironmentContext {
  /** A name chosen in code or by a flag; wins over FABRIC_CLUSTER_ENVIRONMENT. 'auto' detects. */
  readonly explicit?: string;
}

/** The forced environment's name and how it was given, or undefined to detect. */
function forcedChoice(env: NodeJS.ProcessEnv, explicit: string | undefined): { name: string; givenAs: string } | undefined {
  const raw = explicit?.trim() || readText(env, CLUSTER_ENVIRONMENT_VARIABLE);
  if (raw === undefined || raw.toLowerCase() === 'auto') return undefined;
  const givenAs = explicit?.trim() ? `cluster environment '${raw}'` : `${CLUSTER_ENVIRONMENT_VARIABLE}=${raw}`;
  const name = ALIASES[raw.toLowerCase()] ?? raw.toLowerCase();
  if (registry.has(name)) return { name, givenAs };
  const names = environmentNames();
  const suggestion = didYouMean(raw, [...names, ...Object.keys(ALIASES), 'auto']);
  throw new FabricUserError(
    `${givenAs} is not a cluster environment Fabric knows.${suggestion ? ` Did you mean '${ALIASES[suggestion] ?? suggestion}'?` : ''} Choose one of ${names.join(', ')}, or 'auto' to detect it.`,
  );
}

/** RANK or WORLD_SIZE set without LOCAL_RANK and by no launcher we know: spawning our own ranks would ignore them. */
function refuseUnexplainedRanks(env: NodeJS.ProcessEnv): void {
  const present = ['RANK', 'WORLD_SIZE'].filter((name) => readText(env, name) !== undefined);
  if (present.length === 0) return;
  throw new FabricUserError(
    `${present.map((name) => `${name}=${readText(env, name)}`).join(' and ')} ${present.length > 1 ? 'are' : 'is'} set, but LOCAL_RANK is not, so Fabric cannot tell which launcher started this process. In a Kubeflow PyTorchJob set ${CLUSTER_ENVIRONMENT_VARIABLE}=kubeflow; under a torchrun-style launcher make it set LOCAL_RANK too; to let \`fabric run model\` start the ranks itself, unset ${present.join(' and ')}.`,
  );
}

export function detectEnvironment(env: NodeJS.ProcessEnv, options: DetectOptions = {}): DetectedEnvironment {
  const { explicit, ...context } = options;
  const forced = forcedChoice(env, explicit);
  if (forced) {
    try {
      return registry.get(forced.name)!.factory(env, context);
    } catch (error) {
      if (!isFabricUserError(error)) throw error;
      throw new FabricUserError(`${error.message} (The '${forced.name}' environment was chosen by ${forced.givenAs}; choose 'auto' to detect it instead.)`);
    }
  }
  if (isLaunchedByFabric(env)) return localDetected(env, context);
  for (const entry of registry.values()) {
    if (entry.detect?.(env)) return entry.factory(env, context);
  }
  refuseUnexplainedRanks(env);
  return localDetected(env, context);
}
