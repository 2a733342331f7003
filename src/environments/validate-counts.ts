import { FabricUserError } from '../errors.js';
import type { DetectedEnvironment, LaunchCount } from './environment.js';

/** The command line's counts: `devices` is ranks per node (a device list counts its entries). */
export interface FlagCounts {
  readonly devices: number;
  readonly numNodes: number;
}

function processes(n: number): string {
  return n === 1 ? '1 process' : `${n} processes`;
}

function mismatch(what: string, count: LaunchCount, wanted: number, flagFix: string): FabricUserError {
  const clusterFix = count.fix ? `set ${count.fix(wanted)} or ` : '';
  return new FabricUserError(`${what}. Each process the cluster starts is one rank, so the two must agree: ${clusterFix}run with ${flagFix}.`);
}

/**
 * Under an external launcher the cluster decides how many ranks exist; the flags must describe the same run.
 * Checks processes per node, then nodes, then the total, and names both numbers and what to change.
 */
export function validateAgainstFlags(detected: DetectedEnvironment, flags: FlagCounts): void {
  if (!detected.externallyLaunched) return;
  const { perNode, nodes, world } = detected.counts;
  const who = detected.launchedBy;
  const { devices, numNodes } = flags;
  if (perNode && perNode.value !== devices) {
    throw mismatch(
      `${who} started ${processes(perNode.value)} on this node (${perNode.shownAs}), but --devices=${devices} asks for ${devices} per node`,
      perNode,
      devices,
      `--devices=${perNode.value}`,
    );
  }
  if (nodes && nodes.value !== numNodes) {
    throw mismatch(
      `${who} runs this job on ${nodes.value} node${nodes.value === 1 ? '' : 's'} (${nodes.shownAs}), but --num-nodes=${numNodes}`,
      nodes,
      numNodes,
      `--num-nodes=${nodes.value}`,
    );
  }
  const ranks = devices * numNodes;
  if (world && world.value !== ranks) {
    throw mismatch(
      `${who} started ${processes(world.value)} in all (${world.shownAs}), but --devices=${devices} x --num-nodes=${numNodes} makes ${ranks} ranks`,
      world,
      ranks,
      `--devices and --num-nodes whose product is ${world.value}`,
    );
  }
}
