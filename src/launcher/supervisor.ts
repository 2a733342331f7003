import * as fs from 'node:fs';
import * as os from 'node:os';
import { appendProgress } from '../run-dir/progress-log.js';
import { prefixRank } from '../tui/plain.js';
import type { RankFailedMessage, RankMessage } from './messages.js';
import type { RunObserver } from './observer.js';
import { isAlive, signalTree } from './process-tree.js';
import { spawnRank, type RankProcess } from './spawn-rank.js';

export interface SupervisedRank {
  rank: number;
  env: NodeJS.ProcessEnv;
  logPath: string;
  /** Drops lines (TensorFlow's load messages) from the log and the dashboard; see tensorflow-noise.ts. */
  keepLine?: (line: string) => boolean;
}

export interface SupervisorOptions {
  ranks: SupervisedRank[];
  cwd: string;
  /** The rank whose output is shown live (its log tail is not repeated when it fails). */
  liveRank: number | undefined;
  observer: RunObserver;
  progressPath: string;
  stallTimeoutSec: number;
  /** Time between SIGTERM and SIGKILL when tearing the run down. */
  killGraceMs?: number;
}

export interface SupervisorResult {
  exitCode: number;
  failedRank?: number;
  interrupted: boolean;
}

type RankState = {
  process: RankProcess;
  exit?: { code: number | null; signal: NodeJS.Signals | null };
  lastHeartbeat: number;
  step: number;
  stalled: boolean;
  /** The rank said it failed only because a peer did (its links broke). */
  failedAsConsequence?: boolean;
};

/** How long a rank that failed because of a peer waits for that peer's own failure before it is blamed itself. */
const ROOT_CAUSE_WINDOW_MS = 1500;

/**
 * Watches the ranks of this node: relays output and progress, reports stalls, and tears everything down
 * when a rank fails or the user interrupts. Each rank leads its own process group, so killing the group
 * also reaches processes the user's script started, even after the rank itself is gone.
 */
export class RunSupervisor {
  private readonly states = new Map<number, RankState>();
  private failure?: { rank: number; code: number };
  private readonly candidates: { state: RankState; code: number }[] = [];
  private blameTimer?: NodeJS.Timeout;
  private interrupts = 0;
  private tearingDown = false;
  private readonly timers: NodeJS.Timeout[] = [];

  constructor(private readonly options: SupervisorOptions) {}

  async run(): Promise<SupervisorResult> {
    const stopSignals = this.handleSignals();
    for (const spec of this.options.ranks) {
      const process = spawnRank({
        rank: spec.rank,
        env: spec.env,
        logPath: spec.logPath,
        cwd: this.options.cwd,
        detached: true,
        keepLine: spec.keepLine,
        onLine: (line) => this.options.observer.rankLine(spec.rank, line),
      });
      const state: RankState = { process, lastHeartbeat: Date.now(), step: 0, stalled: false };
      this.states.set(spec.rank, state);
      process.child.on('message', (message: RankMessage | RankFailedMessage) => this.onMessage(state, message));
      void process.exited.then((exit) => this.onExit(state, exit));
    }
    this.timers.push(setInterval(() => this.checkStalls(), 1000));
    await Promise.all([...this.states.values()].map((s) => s.process.exited));
    for (const timer of this.timers) clearInterval(timer);
    stopSignals();
    await this.killLeftovers('SIGKILL');
    if (this.failure) return { exitCode: this.failure.code, failedRank: this.failure.rank, interrupted: false };
    const codes = [...this.states.values()].map((s) => exitCodeOf(s.exit!));
    const firstNonZero = codes.find((c) => c !== 0);
    if (this.interrupts > 0) return { exitCode: firstNonZero ?? 130, interrupted: true };
    return { exitCode: firstNonZero ?? 0, interrupted: false };
  }

  private onMessage(state: RankState, message: RankMessage | RankFailedMessage): void {
    state.lastHeartbeat = Date.now();
    if (state.stalled) {
      state.stalled = false;
      this.options.observer.rankResponsive(message.rank);
    }
    if (message.type === 'failed') {
      state.failedAsConsequence = message.consequence;
      return;
    }
    this.options.observer.rankMessage(message);
    if (message.type === 'start') return;
    state.step = message.step;
    if (message.type === 'heartbeat') return;
    appendProgress(this.options.progressPath, {
      kind: message.type,
      rank: message.rank,
      step: message.step,
      time: message.time,
      metrics: message.metrics,
      ...(message.type === 'progress' && message.stepsPerSecond !== undefined ? { stepsPerSecond: message.stepsPerSecond } : {}),
    });
  }

  private onExit(state: RankState, exit: { code: number | null; signal: NodeJS.Signals | null }): void {
    state.exit = exit;
    const code = exitCodeOf(exit);
    this.options.observer.rankExited(state.process.rank, code, exit.signal);
    if (code === 0 || this.tearingDown || this.failure) return;
    this.candidates.push({ state, code });
    // A rank whose links broke usually exits a moment before the rank that really failed: wait for the culprit.
    if (state.failedAsConsequence && !this.blameTimer) this.blameTimer = setTimeout(() => this.blame(), ROOT_CAUSE_WINDOW_MS);
    else if (!state.failedAsConsequence) this.blame();
  }

  private blame(): void {
    clearTimeout(this.blameTimer);
    if (this.failure) return;
    const root = this.candidates.find((c) => !c.state.failedAsConsequence) ?? this.candidates[0];
    this.failure = { rank: root.state.process.rank, code: root.code };
    this.reportFailure(root.state, root.code);
    void this.tearDown('SIGTERM');
  }

  private reportFailure(state: RankState, code: number): void {
    const { rank, logPath } = state.process;
    const how = state.exit?.signal ? `was killed by ${state.exit.signal}` : `exited with code ${code}`;
    const notice = this.options.observer.notice.bind(this.options.observer);
    if (rank !== this.options.liveRank) {
      // Its output was not shown live: show the end of its log, where the error and stack are.
      for (const line of tailLines(logPath, 30)) notice(prefixRank(rank, line));
    }
    notice(prefixRank(rank, `${how}; stopping the other ranks.`));
    notice(`Rank logs: ${[...this.states.values()].map((s) => s.process.logPath).join('  ')}`);
  }

  /** SIGTERM (or a graceful interrupt) to every live rank, then SIGKILL their process groups after the grace period. */
  private async tearDown(first: NodeJS.Signals): Promise<void> {
    if (this.tearingDown) return;
    this.tearingDown = true;
    await this.signalLiveRanks(first);
    const timer = setTimeout(() => void this.killLeftovers('SIGKILL'), this.options.killGraceMs ?? 5000);
    this.timers.push(timer);
  }

  private async signalLiveRanks(signal: NodeJS.Signals): Promise<void> {
    for (const state of this.states.values()) {
      if (!state.exit && state.process.child.pid) signalGroup(state.process.child.pid, signal);
    }
  }

  /** Kills whatever is left of every rank's process group and tree (orphans of the user's script included). */
  private async killLeftovers(signal: NodeJS.Signals): Promise<void> {
    for (const state of this.states.values()) {
      const pid = state.process.child.pid;
      if (!pid) continue;
      signalGroup(pid, signal);
      if (isAlive(pid)) await signalTree(pid, signal);
    }
  }

  /** What a Ctrl+C (or the dashboard's `q`) does: the first asks the ranks to stop, the next one forces them. */
  interrupt(signal: NodeJS.Signals = 'SIGINT'): void {
    this.interrupts++;
    if (this.interrupts === 1 && !this.tearingDown) {
      this.options.observer.notice(`tfjs-fabric: ${signal} received; asking the ranks to stop (press Ctrl+C again to force).`);
      this.tearingDown = true;
      // Ranks treat SIGINT as "stop gracefully" (onInterrupt hooks run) and SIGTERM as "flush and go".
      void this.signalLiveRanks(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
    } else {
      this.options.observer.notice('tfjs-fabric: forcing every rank to stop.');
      void this.killLeftovers('SIGKILL');
    }
  }

  private handleSignals(): () => void {
    const onSignal = (signal: NodeJS.Signals) => this.interrupt(signal);
    const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const s of signals) process.on(s, onSignal);
    return () => signals.forEach((s) => process.off(s, onSignal));
  }

  private checkStalls(): void {
    const limit = this.options.stallTimeoutSec * 1000;
    for (const state of this.states.values()) {
      if (state.exit || state.stalled || Date.now() - state.lastHeartbeat < limit) continue;
      state.stalled = true;
      const seconds = Math.round((Date.now() - state.lastHeartbeat) / 1000);
      this.options.observer.rankStalled(state.process.rank, seconds, state.step);
      appendProgress(this.options.progressPath, { kind: 'heartbeat', rank: state.process.rank, step: state.step, time: Date.now(), metrics: { stalled: 1 } });
    }
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // group already empty
  }
}

export function exitCodeOf(exit: { code: number | null; signal: NodeJS.Signals | null }): number {
  return exit.code ?? 128 + (exit.signal ? (os.constants.signals[exit.signal] ?? 0) : 0);
}

function tailLines(file: string, count: number): string[] {
  try {
    const lines = fs.readFileSync(file, 'utf8').split('\n');
    if (lines.at(-1) === '') lines.pop();
    return lines.slice(-count);
  } catch {
    return [];
  }
}
