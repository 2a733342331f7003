/** Where this process sits in the run: filled from the launcher's env or a cluster's own variables. */
export interface ClusterEnvironment {
  readonly name: string;
  readonly worldSize: number;
  readonly globalRank: number;
  readonly localRank: number;
  readonly nodeRank: number;
  readonly mainAddress: string;
  readonly mainPort: number | undefined;
}

/** A count the cluster decided (processes per node, nodes, processes in all), with where it came from. */
export interface LaunchCount {
  readonly value: number;
  /** The variable it was read from, shown in errors, e.g. 'SLURM_NTASKS_PER_NODE=4'. */
  readonly shownAs: string;
  /** The cluster-side setting that would give `wanted` instead, e.g. '`#SBATCH --ntasks-per-node=2`'. */
  readonly fix?: (wanted: number) => string;
}

/** A detected environment plus what the CLI needs to decide whether to spawn ranks and to check its flags. */
export interface DetectedEnvironment extends ClusterEnvironment {
  /** True when another program (srun, torchrun, mpirun, jsrun, a PyTorchJob) started this process as one rank. */
  readonly externallyLaunched: boolean;
  /** Who started the processes, for messages: 'srun', 'torchrun', 'jsrun', 'mpirun', 'Kubeflow', 'fabric'. */
  readonly launchedBy: string;
  readonly counts: {
    readonly perNode?: LaunchCount;
    readonly nodes?: LaunchCount;
    readonly world?: LaunchCount;
  };
}

/** What the command line adds: only values the user gave explicitly (defaults would hide the cluster's own). */
export interface EnvironmentContext {
  readonly mainAddress?: string;
  readonly mainPort?: number;
  /** This machine's host name (LSF finds its node in the rank file by it); defaults to os.hostname(). */
  readonly hostname?: string;
}
