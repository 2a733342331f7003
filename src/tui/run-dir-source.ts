/**
 * Reads a run from its directory only (run.json, progress.jsonl, rank_<k>.log), as `fabric logs` does
 * from another terminal: each poll returns what was appended since the last one, as dashboard events.
 */
import * as fs from 'node:fs';
import type { RunEndInfo, RunStartInfo } from '../launcher/observer.js';
import { readProgressFrom, type ProgressRecord } from '../run-dir/progress-log.js';
import { readRunInfo, type RunInfo, type RunPaths } from '../run-dir/run-dir.js';
import { classifyLine } from './format.js';
import { LineSplitter } from './plain.js';
import type { RunEvent, RunState } from './run-store.js';

export interface PolledLine {
  rank: number;
  line: string;
}

export interface Poll {
  info: RunInfo;
  records: ProgressRecord[];
  lines: PolledLine[];
}

/** On the first poll only the end of a long log is read: the pane and the tail need the last lines. */
const FIRST_READ_BYTES = 256 * 1024;

export class RunDirSource {
  private progressOffset = 0;
  private readonly logOffsets = new Map<number, number>();

  constructor(readonly paths: RunPaths) {}

  /** Ranks with a log in this folder (this node's ranks), else all of the world. */
  ranks(info: RunInfo): number[] {
    const found = fs
      .readdirSync(this.paths.dir)
      .map((name) => /^rank_(\d+)\.log$/.exec(name))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]))
      .sort((a, b) => a - b);
    return found.length > 0 ? found : Array.from({ length: info.worldSize }, (_, rank) => rank);
  }

  startInfo(info: RunInfo): RunStartInfo {
    const ranks = this.ranks(info);
    return {
      runDir: this.paths.dir,
      script: info.script,
      worldSize: info.worldSize,
      localRanks: ranks,
      liveRank: ranks[0],
      config: info.config,
      startTime: Date.parse(info.startTime),
      logPaths: Object.fromEntries(ranks.map((rank) => [rank, this.paths.rankLog(rank)])),
    };
  }

  /** run.json as it is now, the progress records and log lines written since the last poll. */
  poll(ranks: readonly number[]): Poll {
    // run.json first: once it says the run ended, everything read after it is complete.
    const info = readRunInfo(this.paths);
    const chunk = readProgressFrom(this.paths.progress, this.progressOffset);
    this.progressOffset = chunk.nextOffset;
    const lines: PolledLine[] = [];
    for (const rank of ranks) for (const line of this.newLines(rank, info.status !== 'running')) lines.push({ rank, line });
    return { info, records: chunk.records, lines };
  }

  /** Whole new lines of one rank's log; a line still being written waits for the next poll (or the run's end). */
  private newLines(rank: number, complete: boolean): string[] {
    const file = this.paths.rankLog(rank);
    const size = fs.statSync(file, { throwIfNoEntry: false })?.size ?? 0;
    const first = !this.logOffsets.has(rank);
    const from = first ? Math.max(0, size - FIRST_READ_BYTES) : this.logOffsets.get(rank)!;
    if (size <= from) {
      this.logOffsets.set(rank, from);
      return [];
    }
    const data = Buffer.alloc(size - from);
    const fd = fs.openSync(file, 'r');
    try {
      fs.readSync(fd, data, 0, data.length, from);
    } finally {
      fs.closeSync(fd);
    }
    const end = complete ? data.length : data.lastIndexOf(0x0a) + 1;
    this.logOffsets.set(rank, from + end);
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push(data.subarray(0, end));
    splitter.end();
    // A read that started mid-file begins mid-line: drop that fragment.
    if (first && from > 0) lines.shift();
    return lines;
  }
}

/** A progress.jsonl record as the event the live dashboard would have seen. */
export function recordEvents(record: ProgressRecord): RunEvent[] {
  const at = record.time;
  const metrics = record.metrics ?? {};
  switch (record.kind) {
    case 'progress':
      return [{ type: 'message', at, message: { type: 'progress', rank: record.rank, step: record.step, time: at, metrics, stepsPerSecond: record.stepsPerSecond } }];
    case 'end':
      return [{ type: 'message', at, message: { type: 'end', rank: record.rank, step: record.step, time: at, metrics } }];
    case 'heartbeat':
      // The launcher writes a heartbeat record only when a rank stalls.
      return metrics.stalled ? [{ type: 'stalled', rank: record.rank, seconds: 0, step: record.step }] : [];
    case 'start':
      return [];
  }
}

function logEndsWithError(state: RunState, rank: number): boolean {
  return (state.logs[rank] ?? []).slice(-40).some((line) => classifyLine(line) === 'error');
}

/**
 * The rank that brought a failed run down, judged from files: one whose log ends with an error (of several,
 * the one whose log stopped changing first: the rest were torn down after it), else one that never finished train.
 */
export function guessFailedRank(state: RunState, info: RunInfo, paths: RunPaths): number | undefined {
  const recorded = (info as { failedRank?: unknown }).failedRank;
  if (typeof recorded === 'number') return recorded;
  const ranks = Object.values(state.ranks);
  const withError = ranks.filter((r) => logEndsWithError(state, r.rank)).map((r) => r.rank);
  const candidates = withError.length > 0 ? withError : ranks.filter((r) => !r.sentEnd).map((r) => r.rank);
  const mtime = (rank: number) => fs.statSync(paths.rankLog(rank), { throwIfNoEntry: false })?.mtimeMs ?? Infinity;
  return candidates.sort((a, b) => mtime(a) - mtime(b) || a - b)[0];
}

/**
 * Events that close a run read from disk. Exit codes are not on disk: a finished run's ranks all finished;
 * otherwise a rank whose log ends with an error failed with the run's exit code, one that finished train
 * cleanly finished, and the rest were stopped (torn down, or interrupted).
 */
export function endEvents(state: RunState, info: RunInfo, paths: RunPaths): RunEvent[] {
  if (info.status === 'running') return [];
  const events: RunEvent[] = info.status === 'interrupted' ? [{ type: 'stopRequested' }] : [];
  const exitCode = info.exitCode ?? (info.status === 'finished' ? 0 : 1);
  for (const view of Object.values(state.ranks)) {
    const rank = view.rank;
    if (info.status === 'finished') events.push({ type: 'exited', rank, exitCode: 0, signal: null });
    else if (logEndsWithError(state, rank)) events.push({ type: 'exited', rank, exitCode, signal: null, status: 'failed' });
    else if (view.sentEnd && info.status === 'failed') events.push({ type: 'exited', rank, exitCode: 0, signal: null });
    else events.push({ type: 'exited', rank, exitCode: info.status === 'interrupted' ? exitCode : undefined, signal: null, status: 'stopped' });
  }
  let checkpointCount = 0;
  try {
    checkpointCount = fs.readdirSync(paths.checkpoints).length;
  } catch {
    // no checkpoints folder: nothing was saved
  }
  const start = Date.parse(info.startTime);
  const end = info.endTime ? Date.parse(info.endTime) : start;
  const summary: RunEndInfo = {
    exitCode,
    status: info.status,
    failedRank: info.status === 'failed' ? guessFailedRank(state, info, paths) : undefined,
    seconds: Math.max(0, (end - start) / 1000),
    runDir: paths.dir,
    metricsCsv: paths.metricsCsv,
    checkpoints: paths.checkpoints,
    checkpointCount,
    logPaths: state.info?.logPaths ?? {},
  };
  return [...events, { type: 'ended', summary }];
}
