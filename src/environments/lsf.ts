/**
 * IBM LSF with ranks started by jsrun (the Job Step Manager): JSM_NAMESPACE_* give the ranks, LSB_DJOB_RANKFILE
 * lists the job's hosts and LSB_JOBID fixes the port. Like Lightning, the rank file's first line is the launch
 * node, which runs no ranks, so rank 0 lives on the second line's host.
 */
import { readFileSync } from 'node:fs';
import { hostname as osHostname } from 'node:os';
import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, EnvironmentContext } from './environment.js';
import { firstInt, hasAll, mainAddressFrom, mainPortFrom, portFromJobId, readText, requireBelow, requireInt, requirePositive, type VariableOrigin } from './env-values.js';

const ORIGIN: VariableOrigin = {
  launcher: 'jsrun',
  remedy: 'Start the command with jsrun inside your bsub job, or set FABRIC_CLUSTER_ENVIRONMENT=local to let Fabric start the ranks itself.',
};

/** Ports 10000-14999, one per LSF job id. */
const PORT_BASE = 10000;
const PORT_SPAN = 5000;

export const LSF_VARIABLES = ['LSB_JOBID', 'LSB_DJOB_RANKFILE', 'JSM_NAMESPACE_LOCAL_RANK', 'JSM_NAMESPACE_SIZE'] as const;

export function detectLsf(env: NodeJS.ProcessEnv): boolean {
  return hasAll(env, LSF_VARIABLES);
}

/** The compute hosts of the job in rank-file order, each once (the file repeats a host once per slot). */
export function readLsfComputeHosts(rankfile: string): string[] {
  let text: string;
  try {
    text = readFileSync(rankfile, 'utf8');
  } catch (error) {
    throw new FabricUserError(
      `LSB_DJOB_RANKFILE points to '${rankfile}', which cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}). LSF writes this file for every job; run inside a bsub job on a node that sees it, or unset LSB_DJOB_RANKFILE.`,
    );
  }
  const lines = text.split('\n').map((line) => line.trim()).filter((line) => line !== '');
  const hosts = [...new Set(lines.slice(1))];
  if (hosts.length === 0) {
    throw new FabricUserError(
      `The LSF rank file '${rankfile}' lists no compute host after its first line (the launch node). Check the job's resource request (#BSUB -nnodes), or set MASTER_ADDR to the host of rank 0.`,
    );
  }
  return hosts;
}

/** Position of this machine among the hosts; a short name matches its fully qualified form and back. */
function findHost(hosts: readonly string[], hostname: string): number {
  const exact = hosts.indexOf(hostname);
  if (exact >= 0) return exact;
  const short = (name: string) => name.split('.')[0];
  return hosts.findIndex((host) => short(host) === short(hostname));
}

export function lsfEnvironment(env: NodeJS.ProcessEnv, context: EnvironmentContext = {}): DetectedEnvironment {
  const worldSize = requireInt(env, ['JSM_NAMESPACE_SIZE'], ORIGIN);
  const globalRank = requireInt(env, ['JSM_NAMESPACE_RANK'], ORIGIN);
  const localRank = requireInt(env, ['JSM_NAMESPACE_LOCAL_RANK'], ORIGIN);
  const localSize = firstInt(env, ['JSM_NAMESPACE_LOCAL_SIZE'], ORIGIN);
  const jobId = requireInt(env, ['LSB_JOBID'], ORIGIN);
  requirePositive(worldSize, ORIGIN);
  requireBelow(globalRank, worldSize, ORIGIN);
  requireBelow(localRank, localSize ?? worldSize, ORIGIN);

  const rankfile = readText(env, 'LSB_DJOB_RANKFILE');
  if (rankfile === undefined) {
    throw new FabricUserError(`LSB_DJOB_RANKFILE is not set, so Fabric cannot tell which hosts this LSF job runs on. ${ORIGIN.remedy}`);
  }
  const hosts = readLsfComputeHosts(rankfile);
  const hostname = context.hostname ?? osHostname();
  let nodeRank = findHost(hosts, hostname);
  if (nodeRank < 0) {
    // jsrun numbers ranks host by host, so the local size still places this rank.
    if (!localSize) {
      throw new FabricUserError(
        `This host ('${hostname}') is not among the compute hosts in ${rankfile} (${hosts.join(', ')}), so Fabric cannot tell its node rank. Run the command through jsrun on the job's compute nodes.`,
      );
    }
    nodeRank = Math.floor(globalRank.value / localSize.value);
  }
  const mainAddress = mainAddressFrom(context, env, () => hosts[0])!;
  const mainPort = mainPortFrom(context, env, () => portFromJobId(String(jobId.value), PORT_BASE, PORT_SPAN));
  return {
    name: 'lsf',
    externallyLaunched: true,
    launchedBy: 'jsrun',
    worldSize: worldSize.value,
    globalRank: globalRank.value,
    localRank: localRank.value,
    nodeRank,
    mainAddress,
    mainPort,
    counts: {
      world: { value: worldSize.value, shownAs: `JSM_NAMESPACE_SIZE=${worldSize.value}`, fix: (n) => `\`jsrun --np ${n}\`` },
      nodes: { value: hosts.length, shownAs: `${hosts.length} compute host(s) in LSB_DJOB_RANKFILE`, fix: (n) => `\`#BSUB -nnodes ${n}\`` },
      ...(localSize && {
        perNode: {
          value: localSize.value,
          shownAs: `JSM_NAMESPACE_LOCAL_SIZE=${localSize.value}`,
          fix: (n) => `\`jsrun --rs_per_host 1 --tasks_per_rs ${n}\``,
        },
      }),
    },
  };
}
