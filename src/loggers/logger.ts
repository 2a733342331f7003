/** What every experiment logger does; values arrive as plain numbers, never tensors. */
export interface Logger {
  readonly name: string;
  /** The highest step recorded so far, when the logger tracks it; checkpoints save it so a resume knows what to drop. */
  readonly lastStep?: number;
  /** Records `metrics` at the global `step`; calls for the same step add to one entry. */
  logMetrics(metrics: Record<string, number>, step: number): void;
  /** Records run settings; later calls add to (and override keys of) earlier ones. */
  logHyperparams(params: Record<string, unknown>): void;
  /** Writes everything buffered. Synchronous on purpose: it must work inside SIGTERM handlers and process 'exit'. */
  flush(): void;
  /** Flush and release; `failed` records that the run ended in an error (TensorBoard's session status). */
  close(options?: { failed?: boolean }): void;
}
