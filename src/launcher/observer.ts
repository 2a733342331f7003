import type { RankMessage } from './messages.js';

/** What a launcher tells whoever shows the run: plain lines (non-TTY) or the dashboard. */
export interface RunObserver {
  /** The run directory exists and ranks are about to start. */
  runStarted(info: RunStartInfo): void;
  /** One line of a rank's stdout or stderr (every local rank; observers choose what to show). */
  rankLine(rank: number, line: string): void;
  rankMessage(message: RankMessage): void;
  rankStalled(rank: number, secondsSilent: number, step: number): void;
  rankResponsive(rank: number): void;
  rankExited(rank: number, exitCode: number, signal: NodeJS.Signals | null): void;
  /** A launcher message (failures, signals, warnings). */
  notice(text: string): void;
  runEnded(summary: RunEndInfo): void;
}

export interface RunStartInfo {
  runDir: string;
  script: string;
  worldSize: number;
  localRanks: number[];
  liveRank: number | undefined;
  config: Record<string, unknown>;
  startTime: number;
  logPaths: Record<number, string>;
}

export interface RunEndInfo {
  exitCode: number;
  status: 'finished' | 'failed' | 'interrupted';
  failedRank?: number;
  seconds: number;
  runDir: string;
  metricsCsv: string;
  checkpoints: string;
  checkpointCount: number;
  /** The run stopped early and has a complete checkpoint, so `fabric resume <runDir>` can continue it. */
  resumable?: boolean;
  logPaths: Record<number, string>;
}
