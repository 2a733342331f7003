/** Non-TTY output: one plain line per event, no cursor tricks (CI logs, pipes). */

export function prefixRank(rank: number, line: string): string {
  return `[rank ${rank}] ${line}`;
}

export function formatMetric(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (value !== 0 && (Math.abs(value) >= 1e5 || Math.abs(value) < 1e-3)) return value.toExponential(3);
  return Number.isInteger(value) ? String(value) : value.toFixed(4);
}

export function formatProgressLine(rank: number, step: number, metrics: Record<string, number>, stepsPerSecond?: number): string {
  const parts = [`step ${step}`, ...Object.entries(metrics).map(([k, v]) => `${k}=${formatMetric(v)}`)];
  if (stepsPerSecond !== undefined && Number.isFinite(stepsPerSecond)) parts.push(`${stepsPerSecond.toFixed(1)} steps/s`);
  return prefixRank(rank, parts.join('  '));
}

/** Splits a byte stream into whole lines, keeping a partial last line until more data (or the end) arrives. */
export class LineSplitter {
  private pending = '';
  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: Buffer | string): void {
    const lines = (this.pending + chunk.toString()).split('\n');
    this.pending = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    if (this.pending) this.onLine(this.pending);
    this.pending = '';
  }
}
