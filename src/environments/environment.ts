/** Where this process sits in the run: filled from the launcher's env (or a cluster's own variables later). */
export interface ClusterEnvironment {
  readonly name: string;
  readonly worldSize: number;
  readonly globalRank: number;
  readonly localRank: number;
  readonly nodeRank: number;
  readonly mainAddress: string;
  readonly mainPort: number | undefined;
}
