/**
 * Words for a rank's status, a run's outcome and a metric's best value, shared by the dashboard and
 * `fabric logs --plain`. Plain TypeScript (no JSX): `fabric logs` loads it without React or Ink.
 */
import type { RunEndInfo } from '../launcher/observer.js';
import { bestDirection, formatDuration, shownPath } from './format.js';
import { formatMetric } from './plain.js';
import type { MetricStats, RankView } from './run-store.js';

/** "fabric resume runs/fabric/version_0" for a run that stopped early with a checkpoint; the path quoted for a shell if it needs it. */
export function resumeCommandText(summary: RunEndInfo, cwd = process.cwd()): string | undefined {
  if (!summary.resumable) return undefined;
  const shown = shownPath(summary.runDir, cwd);
  return `fabric resume ${/^[\w./@%+=:,-]+$/.test(shown) ? shown : `'${shown.replaceAll("'", "'\\''")}'`}`;
}

/** "running", "stalled", "failed(1)", "stopped(130)". */
export function statusText(view: RankView): string {
  if ((view.status === 'failed' || view.status === 'stopped') && view.exitCode !== undefined) return `${view.status}(${view.exitCode})`;
  return view.status;
}

/** "finished in 1m15s", "failed after 9s: rank 1 exited with code 1", "interrupted after 5s (exit code 130)". */
export function outcomeText(summary: RunEndInfo): string {
  const time = formatDuration(summary.seconds);
  if (summary.status === 'finished') return `finished in ${time}`;
  if (summary.status === 'interrupted') return `interrupted after ${time} (exit code ${summary.exitCode})`;
  const who = summary.failedRank === undefined ? '' : `rank ${summary.failedRank} `;
  return `failed after ${time}: ${who}exited with code ${summary.exitCode}`;
}

/** "loss 0.0123 (min, step 180)"; a metric whose name does not say which way is better shows both ends. */
export function bestText(name: string, stats: MetricStats): string {
  const direction = bestDirection(name);
  if (direction === 'min') return `${name} ${formatMetric(stats.min)} (min, step ${stats.minStep})`;
  if (direction === 'max') return `${name} ${formatMetric(stats.max)} (max, step ${stats.maxStep})`;
  return `${name} min ${formatMetric(stats.min)} (step ${stats.minStep}), max ${formatMetric(stats.max)} (step ${stats.maxStep})`;
}
