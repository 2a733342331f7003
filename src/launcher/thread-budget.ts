/**
 * How many TensorFlow threads each native rank gets. A native rank starts about 15 threads by default, so N ranks
 * on one machine would fight over its cores: each gets cores / local ranks (at least 1) through TensorFlow's own
 * TF_NUM_INTRAOP_THREADS / TF_NUM_INTEROP_THREADS, unless the user chose (threadsPerRank, or those variables).
 */
import type { RankEngine } from '../accelerators/predict-engine.js';

export const THREAD_VARIABLES = ['TF_NUM_INTRAOP_THREADS', 'TF_NUM_INTEROP_THREADS'] as const;

export interface ThreadBudgetInput {
  engine: RankEngine;
  localRanks: number;
  cores: number;
  threadsPerRank: number | 'auto';
  /** Where an explicit threadsPerRank came from ('--threads-per-rank', 'FABRIC_THREADS_PER_RANK', a YAML line); undefined when defaulted. */
  threadsOrigin?: string;
  /** The launcher's environment: thread variables the user set there are kept unless threadsPerRank is explicit. */
  env: NodeJS.ProcessEnv;
}

export interface ThreadBudget {
  /** Variables to add to every rank's environment. */
  env: Record<string, string>;
  /** Threads per rank TensorFlow will use (intra-op), when the engine is native. */
  threads?: number;
  /** One-line notices for the user: a setting with no effect, a kept user value, oversubscription. */
  notices: string[];
}

/** The node's cores divided among its ranks, at least one each. */
export function defaultThreadsPerRank(cores: number, localRanks: number): number {
  return Math.max(1, Math.floor(cores / Math.max(1, localRanks)));
}

export function planThreadBudget(input: ThreadBudgetInput): ThreadBudget {
  const { engine, localRanks, cores, threadsPerRank, threadsOrigin, env } = input;
  const explicit = threadsOrigin !== undefined && threadsPerRank !== 'auto';
  if (engine !== 'native') {
    const notices = explicit
      ? [`tfjs-fabric: threadsPerRank=${threadsPerRank} (from ${threadsOrigin}) has no effect: ranks run on the ${engine} backend, which is single-threaded in Node; use --devices to use more cores.`]
      : [];
    return { env: {}, notices };
  }
  const budget = defaultThreadsPerRank(cores, localRanks);
  const userSet = THREAD_VARIABLES.filter((name) => env[name] !== undefined && env[name]!.trim() !== '');
  const notices: string[] = [];
  const rankEnv: Record<string, string> = {};
  if (explicit) {
    for (const name of THREAD_VARIABLES) rankEnv[name] = String(threadsPerRank);
    if (userSet.length > 0) notices.push(`tfjs-fabric: threadsPerRank=${threadsPerRank} (from ${threadsOrigin}) overrides ${userSet.map((name) => `${name}=${env[name]}`).join(' and ')} from the environment.`);
  } else {
    for (const name of THREAD_VARIABLES) if (!userSet.includes(name)) rankEnv[name] = String(budget);
    if (userSet.length > 0) notices.push(`tfjs-fabric: keeping ${userSet.map((name) => `${name}=${env[name]}`).join(' and ')} from the environment (Fabric's budget would be ${budget} per rank for ${localRanks} rank(s) on ${cores} cores).`);
  }
  const intra = Number(rankEnv.TF_NUM_INTRAOP_THREADS ?? env.TF_NUM_INTRAOP_THREADS);
  // TensorFlow reads 0 (or junk) as "choose yourself": it cannot be checked against the cores.
  const threads = Number.isInteger(intra) && intra > 0 ? intra : undefined;
  if (threads !== undefined && threads * localRanks > cores) {
    notices.push(`tfjs-fabric: warning: ${localRanks} rank(s) x ${threads} TensorFlow threads = ${threads * localRanks} threads on ${cores} cores; the ranks will compete for cores (lower --threads-per-rank or --devices).`);
  }
  return { env: rankEnv, threads, notices };
}
