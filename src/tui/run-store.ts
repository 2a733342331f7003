/**
 * What the dashboard knows about a run: plain immutable state and one reducer. The Ink observer and
 * `fabric logs` turn what they see (launcher callbacks, run-dir files) into `RunEvent`s; components only read.
 */
import type { RankMessage } from '../launcher/messages.js';
import type { RunEndInfo, RunStartInfo } from '../launcher/observer.js';
import { runLabel } from './format.js';

export type RankStatus = 'starting' | 'running' | 'stalled' | 'finished' | 'failed' | 'stopped';

export interface RankView {
  rank: number;
  status: RankStatus;
  step: number;
  stepsPerSecond?: number;
  metrics: Readonly<Record<string, number>>;
  backend?: string;
  /** When the launcher last heard from the rank (ms since the epoch, the observer's clock). */
  lastSeen?: number;
  rssBytes?: number;
  tfjsBytes?: number;
  exitCode?: number;
  signal?: string | null;
  /** The rank sent its end message: train() is over (returned or threw; the exit code tells which). */
  sentEnd?: boolean;
}

export interface MetricPoint {
  step: number;
  value: number;
}

export interface MetricStats {
  last: number;
  lastStep: number;
  min: number;
  minStep: number;
  max: number;
  maxStep: number;
}

export interface RunState {
  info?: RunStartInfo;
  /** `<name>/version_<N>`. */
  label: string;
  ranks: Readonly<Record<number, RankView>>;
  /** The rank whose metrics feed the chart and the best values (the live rank). */
  chartRank?: number;
  series: Readonly<Record<string, readonly MetricPoint[]>>;
  /** Recent steps/s of the chart rank, oldest first. */
  throughput: readonly number[];
  stats: Readonly<Record<string, MetricStats>>;
  logs: Readonly<Record<number, readonly string[]>>;
  notices: readonly string[];
  totalSteps?: number;
  /** The user asked the run to stop (q or Ctrl+C). */
  stopping: boolean;
  ended?: RunEndInfo;
}

export type RunEvent =
  | { type: 'started'; info: RunStartInfo }
  | { type: 'line'; rank: number; line: string }
  | { type: 'message'; message: RankMessage; at: number }
  | { type: 'stalled'; rank: number; seconds: number; step: number }
  | { type: 'responsive'; rank: number; at: number }
  | { type: 'exited'; rank: number; exitCode?: number; signal: NodeJS.Signals | null; status?: RankStatus }
  | { type: 'notice'; text: string }
  | { type: 'stopRequested' }
  | { type: 'ended'; summary: RunEndInfo };

/** Lines kept per rank for the log pane (and a failed rank's error in the summary). */
export const LOG_LINES_KEPT = 200;
/** Points kept per metric; past this the series is thinned to every other point. */
export const SERIES_POINTS_KEPT = 1000;
export const THROUGHPUT_SAMPLES_KEPT = 120;

export function initialRunState(): RunState {
  return { label: '', ranks: {}, series: {}, throughput: [], stats: {}, logs: {}, notices: [], stopping: false };
}

/** Numbers from a config object that mean "the run is this many steps long", if the config has one. */
function totalStepsFromConfig(config: Record<string, unknown>): number | undefined {
  for (const key of ['totalSteps', 'maxSteps']) {
    const value = config[key];
    if (typeof value === 'number' && Number.isFinite(value) && value > 0) return value;
  }
  return undefined;
}

function withRank(state: RunState, rank: number, change: (view: RankView) => Partial<RankView>): RunState {
  const view = state.ranks[rank] ?? { rank, status: 'starting', step: 0, metrics: {} };
  return { ...state, ranks: { ...state.ranks, [rank]: { ...view, ...change(view) } } };
}

function appendCapped<T>(list: readonly T[], item: T, cap: number): T[] {
  const next = list.length >= cap ? list.slice(list.length - cap + 1) : list.slice();
  next.push(item);
  return next;
}

function addPoint(series: readonly MetricPoint[] | undefined, point: MetricPoint): MetricPoint[] {
  let points = series ? series.slice() : [];
  const last = points[points.length - 1];
  // The end message repeats the last progress step: replace, never duplicate a step.
  if (last && last.step >= point.step) points = points.filter((p) => p.step < point.step);
  points.push(point);
  // Thinning keeps the whole run visible at a bounded cost (the newest point always stays).
  if (points.length > SERIES_POINTS_KEPT) points = points.filter((_, i) => i % 2 === 1 || i === points.length - 1);
  return points;
}

function addStats(stats: MetricStats | undefined, step: number, value: number): MetricStats {
  if (!stats) return { last: value, lastStep: step, min: value, minStep: step, max: value, maxStep: step };
  const next = { ...stats, last: value, lastStep: step };
  // NaN never counts as a best value.
  if (value < stats.min || Number.isNaN(stats.min)) Object.assign(next, { min: value, minStep: step });
  if (value > stats.max || Number.isNaN(stats.max)) Object.assign(next, { max: value, maxStep: step });
  return next;
}

function onMetrics(state: RunState, rank: number, step: number, metrics: Readonly<Record<string, number>>): RunState {
  if (rank !== state.chartRank) return state;
  const series = { ...state.series };
  const stats = { ...state.stats };
  for (const [name, value] of Object.entries(metrics)) {
    series[name] = addPoint(series[name], { step, value });
    stats[name] = addStats(stats[name], step, value);
  }
  return { ...state, series, stats };
}

function onMessage(state: RunState, message: RankMessage, at: number): RunState {
  const seen = (view: RankView) => ({ lastSeen: at, status: view.status === 'starting' || view.status === 'stalled' ? 'running' : view.status }) as Partial<RankView>;
  switch (message.type) {
    case 'start':
      return withRank(state, message.rank, (view) => ({ ...seen(view), backend: message.backend }));
    case 'heartbeat':
      return withRank(state, message.rank, (view) => ({ ...seen(view), step: Math.max(view.step, message.step), rssBytes: message.rssBytes, tfjsBytes: message.tfjsBytes ?? view.tfjsBytes }));
    case 'progress': {
      let next = withRank(state, message.rank, (view) => ({ ...seen(view), step: message.step, metrics: { ...view.metrics, ...message.metrics }, stepsPerSecond: message.stepsPerSecond ?? view.stepsPerSecond }));
      if (message.totalSteps !== undefined && message.totalSteps > 0) next = { ...next, totalSteps: message.totalSteps };
      if (message.rank === state.chartRank && message.stepsPerSecond !== undefined && Number.isFinite(message.stepsPerSecond)) {
        next = { ...next, throughput: appendCapped(next.throughput, message.stepsPerSecond, THROUGHPUT_SAMPLES_KEPT) };
      }
      return onMetrics(next, message.rank, message.step, message.metrics);
    }
    case 'end': {
      const next = withRank(state, message.rank, (view) => ({ lastSeen: at, step: message.step, metrics: { ...view.metrics, ...message.metrics }, sentEnd: true }));
      return onMetrics(next, message.rank, message.step, message.metrics);
    }
  }
}

/** The one place state changes. Pure: the same events give the same state. */
export function reduceRun(state: RunState, event: RunEvent): RunState {
  switch (event.type) {
    case 'started': {
      const ranks: Record<number, RankView> = {};
      for (const rank of event.info.localRanks) ranks[rank] = state.ranks[rank] ?? { rank, status: 'starting', step: 0, metrics: {} };
      const chartRank = event.info.liveRank ?? event.info.localRanks[0];
      return { ...state, info: event.info, label: runLabel(event.info.runDir), ranks, chartRank, totalSteps: state.totalSteps ?? totalStepsFromConfig(event.info.config) };
    }
    case 'line':
      return { ...state, logs: { ...state.logs, [event.rank]: appendCapped(state.logs[event.rank] ?? [], event.line, LOG_LINES_KEPT) } };
    case 'message':
      return onMessage(state, event.message, event.at);
    case 'stalled':
      return withRank(state, event.rank, (view) => (view.status === 'running' || view.status === 'starting' ? { status: 'stalled' } : {}));
    case 'responsive':
      return withRank(state, event.rank, (view) => ({ lastSeen: event.at, status: view.status === 'stalled' ? 'running' : view.status }));
    case 'exited': {
      // After the first failure the launcher tears the other ranks down: they were stopped, not failing.
      const torn = state.stopping || Object.values(state.ranks).some((r) => r.status === 'failed' && r.rank !== event.rank);
      const status: RankStatus = event.status ?? (event.exitCode === 0 ? 'finished' : torn ? 'stopped' : 'failed');
      return withRank(state, event.rank, () => ({ status, exitCode: event.exitCode, signal: event.signal }));
    }
    case 'notice':
      // Not capped: notices are few, and <Static> prints each once by its position in this list.
      return { ...state, notices: [...state.notices, event.text] };
    case 'stopRequested':
      return { ...state, stopping: true };
    case 'ended':
      return { ...state, ended: event.summary };
  }
}

/** Metric names in the order they first appeared on the chart rank. */
export function metricNames(state: RunState): string[] {
  return Object.keys(state.series);
}

/** Ranks in rank order. */
export function rankViews(state: RunState): RankView[] {
  return Object.values(state.ranks).sort((a, b) => a.rank - b.rank);
}
