/** `fabric logs --plain`: the run as plain lines (pipes, CI, grep), built from the same store as the dashboard. */
import type { RunInfo } from '../run-dir/run-dir.js';
import { formatMetric, prefixRank } from './plain.js';
import { formatDuration, formatRate, shownPath } from './format.js';
import { rankViews, type MetricPoint, type RunState } from './run-store.js';
import { bestText, outcomeText, statusText } from './status-text.js';

/** What the run is, how it went (or how long it has been going), each rank's last step and metrics, best values. */
export function overviewLines(state: RunState, info: RunInfo, now: number, cwd = process.cwd()): string[] {
  const dir = state.info?.runDir ?? '';
  const outcome = state.ended ? outcomeText(state.ended) : `${info.status} for ${formatDuration((now - Date.parse(info.startTime)) / 1000)}`;
  const config = info.config as Record<string, unknown>;
  const lines = [
    `Run ${state.label} (${shownPath(dir, cwd)}): ${outcome}`,
    `  script ${shownPath(info.script, cwd)} · ${info.worldSize} ${info.worldSize === 1 ? 'rank' : 'ranks'} · accelerator ${String(config.accelerator)} · strategy ${String(config.strategy)} · precision ${String(config.precision)} · started ${info.startTime}`,
  ];
  for (const view of rankViews(state)) {
    const rate = view.stepsPerSecond === undefined ? '' : `  ${formatRate(view.stepsPerSecond)} steps/s`;
    const metrics = Object.entries(view.metrics).map(([k, v]) => `${k}=${formatMetric(v)}`);
    lines.push(`  ${prefixRank(view.rank, [statusText(view), `step ${view.step}`, ...metrics].join('  '))}${rate}`);
  }
  const bests = Object.entries(state.stats).map(([name, stats]) => bestText(name, stats));
  if (bests.length > 0) lines.push(`  best (rank ${state.chartRank}): ${bests.join(' · ')}`);
  if (state.ended) {
    lines.push(`  metrics ${shownPath(state.ended.metricsCsv, cwd)} · checkpoints ${shownPath(state.ended.checkpoints, cwd)} (${state.ended.checkpointCount})`);
  }
  return lines;
}

/** A rank's log tail under a title that says which file it comes from. */
export function logTailLines(rank: number, lines: readonly string[], file: string, count: number, cwd = process.cwd(), why = ''): string[] {
  const tail = lines.slice(-count);
  const title = tail.length === 0 ? `--- rank ${rank}${why}: ${shownPath(file, cwd)} is empty ---` : `--- rank ${rank}${why}: last ${tail.length} lines of ${shownPath(file, cwd)} ---`;
  return [title, ...tail];
}

/** One metric as a two-column table (tab separated), the way `cut` and spreadsheets like it. */
export function metricTable(name: string, points: readonly MetricPoint[], withHeader = true): string[] {
  return [...(withHeader ? [`step\t${name}`] : []), ...points.map((p) => `${p.step}\t${p.value}`)];
}

/** The columns `step` and `metric` of a CSV text (the whole text when no metric is asked for). */
export function csvColumns(text: string, metric: string | undefined): { lines: string[]; missing?: string[] } {
  const rows = text.split('\n').filter((line) => line.length > 0);
  if (metric === undefined) return { lines: rows };
  const header = rows[0]?.split(',') ?? [];
  const index = header.indexOf(metric);
  if (index < 0) return { lines: [], missing: header.filter((h) => h !== 'step') };
  const stepIndex = header.indexOf('step');
  return { lines: rows.map((row) => { const cells = row.split(','); return `${cells[stepIndex] ?? ''},${cells[index] ?? ''}`; }) };
}

