import type { RankMessage } from './messages.js';

/**
 * Rank side of the progress stream: remembers the latest step and metrics and sends them to the
 * launcher at most every `intervalMs`, so logging every step costs nothing measurable.
 */
export class ProgressReporter {
  private step = 0;
  private metrics: Record<string, number> = {};
  private lastSent = 0;
  private lastSentStep = 0;
  private heartbeat?: NodeJS.Timeout;
  /** The run length the script declared (fabric.setTotalSteps), for the dashboard's ETA. */
  totalSteps?: number;

  constructor(
    private readonly rank: number,
    private readonly send: ((message: RankMessage) => void) | undefined,
    private readonly intervalMs = 500,
  ) {}

  static fromProcess(rank: number): ProgressReporter {
    const canSend = typeof process.send === 'function' && process.connected;
    return new ProgressReporter(rank, canSend ? (m) => process.connected && process.send!(m) : undefined);
  }

  /** Announces the rank and starts heartbeats; `tfjsBytes` reads the engine's memory without this file importing tfjs. */
  start(backend: string, tfjsBytes?: () => number, heartbeatMs = 1000): void {
    this.send?.({ type: 'start', rank: this.rank, backend, time: Date.now() });
    this.lastSent = Date.now();
    if (!this.send) return;
    this.heartbeat = setInterval(() => {
      this.send?.({ type: 'heartbeat', rank: this.rank, step: this.step, time: Date.now(), rssBytes: process.memoryUsage.rss(), tfjsBytes: tfjsBytes?.() });
    }, heartbeatMs);
    // Heartbeats must never keep a finished rank alive.
    this.heartbeat.unref();
  }

  update(step: number, metrics: Record<string, number>): void {
    this.step = step;
    Object.assign(this.metrics, metrics);
    const now = Date.now();
    if (!this.send || now - this.lastSent < this.intervalMs) return;
    const seconds = (now - this.lastSent) / 1000;
    const stepsPerSecond = (this.step - this.lastSentStep) / seconds;
    this.send({ type: 'progress', rank: this.rank, step: this.step, time: now, metrics: { ...this.metrics }, stepsPerSecond, totalSteps: this.totalSteps });
    this.lastSent = now;
    this.lastSentStep = this.step;
  }

  end(): void {
    clearInterval(this.heartbeat);
    this.send?.({ type: 'end', rank: this.rank, step: this.step, time: Date.now(), metrics: { ...this.metrics } });
  }
}
