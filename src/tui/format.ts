/** Small formatting helpers shared by the dashboard components and `fabric logs`. */
import * as path from 'node:path';

/** 1536 -> "1.5K", 212_000_000 -> "202M": short enough for a table cell. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value >= 100 || unit === 0 ? Math.round(value) : value.toFixed(1)}${units[unit]}`;
}

/** Seconds as "42s", "3m05s" or "1h02m03s". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (h > 0) return `${h}h${two(m)}m${two(s)}s`;
  if (m > 0) return `${m}m${two(s)}s`;
  return `${s}s`;
}

/** How long ago a heartbeat came: "0.4s", "12s", "3m05s". */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const seconds = Math.max(0, ms) / 1000;
  return seconds < 10 ? `${seconds.toFixed(1)}s` : formatDuration(seconds);
}

export function formatRate(perSecond: number | undefined): string {
  if (perSecond === undefined || !Number.isFinite(perSecond)) return '-';
  return perSecond >= 100 ? perSecond.toFixed(0) : perSecond.toFixed(1);
}

/** A path relative to `cwd` when it lies below it, else absolute (what a person can paste). */
export function shownPath(p: string, cwd = process.cwd()): string {
  const relative = path.relative(cwd, p);
  return relative === '' || relative.startsWith('..') || path.isAbsolute(relative) ? p : relative;
}

/** `<name>/version_<N>` from a run directory path. */
export function runLabel(runDir: string): string {
  return `${path.basename(path.dirname(runDir))}/${path.basename(runDir)}`;
}

const SAMPLES_PER_SECOND = /^(samples?[_/ ]?(per[_ ]?)?s(ec(ond)?)?|throughput)$/i;

/** Samples per second when the script (or the throughput callback) logs it under a usual name. */
export function samplesPerSecond(metrics: Readonly<Record<string, number>>): number | undefined {
  for (const [name, value] of Object.entries(metrics)) if (SAMPLES_PER_SECOND.test(name)) return value;
  return undefined;
}

/** Whether lower or higher is better for a metric, judged by its name; undefined when the name does not say. */
export function bestDirection(metric: string): 'min' | 'max' | undefined {
  if (/loss|err|perplexity|ppl|mse|mae|rmse|nll/i.test(metric)) return 'min';
  if (/acc|f1|auc|precision|recall|score|reward|iou|bleu|rouge/i.test(metric)) return 'max';
  return undefined;
}

/** The metric a table shows as "loss": `loss` itself, else the first one whose name says loss, else the first. */
export function primaryMetric(names: readonly string[]): string | undefined {
  return names.find((n) => n === 'loss') ?? names.find((n) => /loss/i.test(n)) ?? names[0];
}

export type LineLevel = 'error' | 'warning' | 'info';

// "Error", "TypeError", "SomeException", fatal words, and stack frames ("    at fn (file.ts:3:9)").
const ERROR_LINE = /\b\w*(error|exception)\b|\b(fatal|traceback|panic|uncaught|unhandled)\b|^\s*at\s+\S.*:\d+(:\d+)?\)?$/i;
const WARNING_LINE = /\b\w*(warn|warning)\b|\bdeprecated\b/i;

/** How a log pane colours a line: stack frames and errors red, warnings yellow. */
export function classifyLine(line: string): LineLevel {
  if (ERROR_LINE.test(line)) return 'error';
  if (WARNING_LINE.test(line)) return 'warning';
  return 'info';
}
