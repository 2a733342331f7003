import * as path from 'node:path';
import type { RankMessage } from '../launcher/messages.js';
import type { RunEndInfo, RunObserver, RunStartInfo } from '../launcher/observer.js';
import { formatProgressLine, prefixRank } from './plain.js';
import { resumeCommandText } from './status-text.js';

/**
 * Non-TTY output (CI, pipes): the live rank's output with a `[rank K]` prefix, a progress line every
 * `progressIntervalSec`, launcher notices, and a one-line summary at the end.
 */
export class PlainObserver implements RunObserver {
  private liveRank: number | undefined;
  private lastProgressLine = 0;
  private cwd = process.cwd();

  constructor(
    private readonly print: (line: string) => void,
    private readonly progressIntervalSec: number,
  ) {}

  runStarted(info: RunStartInfo): void {
    this.liveRank = info.liveRank;
    const ranks = info.worldSize > 1 ? ` (${info.worldSize} ranks, ${info.localRanks.length} on this node)` : '';
    this.print(`tfjs-fabric: run directory ${this.shown(info.runDir)}${ranks}`);
  }

  rankLine(rank: number, line: string): void {
    if (rank === this.liveRank) this.print(prefixRank(rank, line));
  }

  rankMessage(message: RankMessage): void {
    if (message.rank !== this.liveRank || message.type === 'heartbeat') return;
    if (message.type === 'start') {
      this.print(prefixRank(message.rank, `started on backend '${message.backend}'`));
      return;
    }
    const due = Date.now() - this.lastProgressLine >= this.progressIntervalSec * 1000;
    if (message.type === 'end' || due) {
      this.print(formatProgressLine(message.rank, message.step, message.metrics, message.type === 'progress' ? message.stepsPerSecond : undefined));
      this.lastProgressLine = Date.now();
    }
  }

  rankStalled(rank: number, secondsSilent: number, step: number): void {
    this.print(prefixRank(rank, `stalled: no heartbeat for ${secondsSilent} s (last step ${step}).`));
  }

  rankResponsive(rank: number): void {
    this.print(prefixRank(rank, 'is responsive again'));
  }

  rankExited(): void {}

  notice(text: string): void {
    this.print(text);
  }

  runEnded(summary: RunEndInfo): void {
    const logs = Object.values(summary.logPaths).map((p) => this.shown(p)).join(' ');
    if (summary.status === 'finished') {
      this.print(`tfjs-fabric: finished in ${summary.seconds.toFixed(1)} s. Metrics: ${this.shown(summary.metricsCsv)}  Checkpoints: ${this.shown(summary.checkpoints)} (${summary.checkpointCount})  Logs: ${logs}`);
    } else if (summary.failedRank === undefined) {
      this.print(`tfjs-fabric: run ${summary.status} (exit code ${summary.exitCode}). Logs: ${logs}`);
    }
    const resume = resumeCommandText(summary, this.cwd);
    if (resume) this.print(`tfjs-fabric: continue from the latest checkpoint with: ${resume}`);
  }

  private shown(p: string): string {
    const relative = path.relative(this.cwd, p);
    return relative.startsWith('..') ? p : relative;
  }
}
