import { formatProgressLine, prefixRank } from './plain.js';
import { logTailLines, metricTable, overviewLines } from './logs-report.js';
import type { RunReplay } from './run-replay.js';

export interface FollowOptions {
  /** The rank whose log lines are printed. */
  rank: number;
  /** Print only this metric's new values (tab separated) instead of logs and progress. */
  metric?: string;
  /** Seconds between two progress lines of the same rank. */
  progressIntervalSec: number;
  pollMs?: number;
  cwd?: string;
}

/**
 * `fabric logs --follow --plain`: prints what the run appends (the followed rank's log lines, a progress
 * line per rank every few seconds, stalls) until run.json says it ended, then how it ended.
 */
export async function followPlain(replay: RunReplay, options: FollowOptions, print: (line: string) => void): Promise<void> {
  const lastProgress = new Map<number, number>();
  let lastPrintedStep = Number.NEGATIVE_INFINITY;
  const printNew = (first: boolean) => {
    const poll = replay.update();
    if (options.metric !== undefined) {
      // Steps past the last printed one (the store thins very long series, so positions shift).
      const points = (replay.state.series[options.metric] ?? []).filter((p) => p.step > lastPrintedStep);
      for (const line of metricTable(options.metric, points, first)) print(line);
      if (points.length > 0) lastPrintedStep = points[points.length - 1].step;
      return;
    }
    if (first) {
      for (const line of overviewLines(replay.state, replay.info, Date.now(), options.cwd)) print(line);
      const lines = replay.state.logs[options.rank] ?? [];
      for (const line of logTailLines(options.rank, lines, replay.paths.rankLog(options.rank), 10, options.cwd)) print(line);
      return;
    }
    for (const record of poll.records) {
      if (record.kind === 'heartbeat' && record.metrics?.stalled) {
        print(prefixRank(record.rank, `stalled at step ${record.step}: no heartbeat for a while.`));
        continue;
      }
      const due = Date.now() - (lastProgress.get(record.rank) ?? 0) >= options.progressIntervalSec * 1000;
      if (record.kind === 'end' || (record.kind === 'progress' && due)) {
        print(formatProgressLine(record.rank, record.step, record.metrics ?? {}, record.stepsPerSecond));
        lastProgress.set(record.rank, Date.now());
      }
    }
    for (const { rank, line } of poll.lines) if (rank === options.rank) print(prefixRank(rank, line));
  };
  printNew(true);
  while (!replay.ended) {
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 500));
    printNew(false);
  }
  if (!replay.ended || options.metric !== undefined) return;
  print('');
  for (const line of overviewLines(replay.state, replay.info, Date.now(), options.cwd)) print(line);
  const failed = replay.state.ended?.failedRank;
  if (failed !== undefined) {
    for (const line of logTailLines(failed, replay.state.logs[failed] ?? [], replay.paths.rankLog(failed), 30, options.cwd, ' failed')) print(line);
  }
}
