/** Small statistics and machine facts the engine benchmark prints with every number. */
import * as fs from 'node:fs';
import * as os from 'node:os';

export const median = (v: number[]): number => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** `median [min-max]` with `digits` decimals, or '-' when nothing was measured. */
export function medianRange(v: number[], digits = 1): string {
  if (v.length === 0) return '-';
  const f = (x: number) => x.toFixed(digits);
  return v.length === 1 ? f(v[0]!) : `${f(median(v))} [${f(Math.min(...v))}-${f(Math.max(...v))}]`;
}

/** Ratios per round (both measured back to back), then their spread: steadier than a ratio of medians under load. */
export function roundRatios(a: number[], b: number[]): number[] {
  return a.slice(0, b.length).map((x, i) => x / b[i]!);
}

/** /proc/loadavg's three load averages (1, 5, 15 min), or os.loadavg() off Linux. */
export function loadAverage(): string {
  try {
    return fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  } catch {
    return os.loadavg().map((x) => x.toFixed(2)).join(' ');
  }
}

export function machineLine(): string {
  return `${os.cpus()[0]?.model ?? 'CPU'} x ${os.cpus().length}, Node ${process.versions.node}, ${new Date().toISOString().slice(0, 16)}Z`;
}
