/**
 * SLURM, with one task per rank started by `srun` (inside sbatch or salloc).
 *
 * Active when SLURM_NTASKS and SLURM_PROCID are set and the job is not named 'bash' or 'interactive'. Those two
 * names follow Lightning's convention for "I hold an allocation but start processes myself" (`srun --job-name=
 * interactive --pty bash`), so `fabric run model` inside such a shell spawns its own ranks as on a workstation.
 */
import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext, LaunchCount } from './environment.js';
import {
  firstInt,
  hasAll,
  mainAddressFrom,
  mainPortFrom,
  portFromJobId,
  readText,
  requireBelow,
  requireInt,
  requirePositive,
  type Reading,
  type VariableOrigin,
} from './env-values.js';
import { firstSlurmHost } from './slurm-hostlist.js';

const ORIGIN: VariableOrigin = {
  launcher: 'srun',
  remedy: 'Start the command with srun in your sbatch script (`srun fabric run model train.ts ...`), or set FABRIC_CLUSTER_ENVIRONMENT=local to let Fabric start the ranks itself.',
};

const INTERACTIVE_JOB_NAMES = ['bash', 'interactive'];

/** Ports 15000-19999, one per job id, so every task computes the same port without talking. */
const PORT_BASE = 15000;
const PORT_SPAN = 5000;

export function detectSlurm(env: NodeJS.ProcessEnv): boolean {
  if (!hasAll(env, ['SLURM_NTASKS', 'SLURM_PROCID'])) return false;
  return !INTERACTIVE_JOB_NAMES.includes(readText(env, 'SLURM_JOB_NAME') ?? '');
}

/** SLURM's per-node task counts: '4', '2(x3)', '2,1', '4(x2),2' -> one number per node, in node order. */
export function parseTasksPerNode(text: string, variable: string): number[] {
  const counts: number[] = [];
  for (const item of text.split(',')) {
    const match = /^\s*(\d+)(?:\(x(\d+)\))?\s*$/.exec(item);
    if (!match) {
      throw new FabricUserError(
        `${variable}='${text}' is not a SLURM task count such as '4', '2(x3)' or '2,1'. SLURM sets it from #SBATCH --ntasks-per-node; if you exported it yourself, unset it.`,
      );
    }
    counts.push(...new Array<number>(Number(match[2] ?? 1)).fill(Number(match[1])));
  }
  return counts;
}

/** Tasks srun started on this node: the step's own list first (what really ran), then the job's request. */
function tasksOnThisNode(env: NodeJS.ProcessEnv, nodeRank: number): (Reading & { shownAs: string }) | undefined {
  for (const name of ['SLURM_STEP_TASKS_PER_NODE', 'SLURM_NTASKS_PER_NODE', 'SLURM_TASKS_PER_NODE']) {
    const text = readText(env, name);
    if (text === undefined) continue;
    const counts = parseTasksPerNode(text, name);
    // A single number applies to every node (that is how --ntasks-per-node reads).
    const value = counts.length === 1 ? counts[0] : counts[nodeRank];
    if (value !== undefined) return { name, value, shownAs: counts.length === 1 ? `${name}=${value}` : `${name}='${text}' (${value} on node ${nodeRank})` };
  }
  return undefined;
}

export function slurmEnvironment(env: NodeJS.ProcessEnv, context: EnvironmentContext = {}): DetectedEnvironment {
  const worldSize = requireInt(env, ['SLURM_NTASKS', 'SLURM_NPROCS'], ORIGIN);
  const globalRank = requireInt(env, ['SLURM_PROCID'], ORIGIN);
  const localRank = requireInt(env, ['SLURM_LOCALID'], ORIGIN);
  const nodeRank = requireInt(env, ['SLURM_NODEID'], ORIGIN);
  const nodes = firstInt(env, ['SLURM_STEP_NUM_NODES', 'SLURM_NNODES', 'SLURM_JOB_NUM_NODES'], ORIGIN);
  const perNode = tasksOnThisNode(env, nodeRank.value);
  requirePositive(worldSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  requireBelow(localRank, perNode ?? worldSize, ORIGIN);
  if (nodes) requireBelow(nodeRank, nodes, ORIGIN);

  const mainAddress = mainAddressFrom(context, env, () => {
    const nodelist = readText(env, 'SLURM_STEP_NODELIST') ?? readText(env, 'SLURM_NODELIST') ?? readText(env, 'SLURM_JOB_NODELIST');
    if (nodelist) return firstSlurmHost(nodelist);
    return (nodes?.value ?? 1) === 1 ? '127.0.0.1' : undefined;
  });
  if (mainAddress === undefined) {
    throw new FabricUserError(
      'SLURM_NODELIST is not set, so Fabric cannot tell which host runs task 0 of this multi-node job. Run under srun (it sets the variable), or set MASTER_ADDR / pass --main-address=<host of task 0>.',
    );
  }
  const jobId = readText(env, 'SLURM_JOB_ID') ?? readText(env, 'SLURM_JOBID');
  const mainPort = mainPortFrom(context, env, () => (jobId === undefined ? undefined : portFromJobId(jobId, PORT_BASE, PORT_SPAN)));
  if (mainPort === undefined && worldSize.value > 1) {
    throw new FabricUserError(
      'SLURM_JOB_ID is not set, so the tasks cannot derive a common port for rank 0. Run under srun (it sets the variable), or set MASTER_PORT / pass --main-port=<free port> on every task.',
    );
  }
  return {
    name: 'slurm',
    externallyLaunched: true,
    launchedBy: 'srun',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: localRank.value,
    nodeRank: nodeRank.value,
    mainAddress,
    mainPort,
    counts: {
      world: count(worldSize, (n) => `\`#SBATCH --ntasks=${n}\``),
      ...(perNode && { perNode: count(perNode, (n) => `\`#SBATCH --ntasks-per-node=${n}\``) }),
      ...(nodes && { nodes: count(nodes, (n) => `\`#SBATCH --nodes=${n}\``) }),
    },
  };
}

function count(reading: Reading & { shownAs?: string }, fix: (wanted: number) => string): LaunchCount {
  return { value: reading.value, shownAs: reading.shownAs ?? `${reading.name}=${reading.value}`, fix };
}
