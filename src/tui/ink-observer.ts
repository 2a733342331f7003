import { render, type Instance } from 'ink';
import { createElement } from 'react';
import type { RankMessage } from '../launcher/messages.js';
import type { RunEndInfo, RunObserver, RunStartInfo } from '../launcher/observer.js';
import { Dashboard } from './Dashboard.js';
import { initialRunState, reduceRun, type RunEvent, type RunState } from './run-store.js';

/** What the dashboard's q and Ctrl+C reach: the launcher's RunSupervisor. */
export interface Interruptible {
  interrupt(signal?: NodeJS.Signals): void;
}

export interface InkObserverOptions {
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
  /** Redraws per second at most (default 10): status changes show within 1/maxFps s. */
  maxFps?: number;
  /** Seconds between redraws for routine news (log lines, progress, heartbeats); 1 by default: elapsed time and heartbeat ages tick per second anyway. */
  routineIntervalSec?: number;
  /** The clock (tests pass a fixed one). */
  now?: () => number;
  cwd?: string;
}

/** Events a person should see at once; the rest (lines, progress, heartbeats) can wait for the routine redraw. */
const URGENT: ReadonlySet<RunEvent['type']> = new Set(['started', 'stalled', 'responsive', 'exited', 'notice', 'stopRequested', 'ended']);

/**
 * The TTY view of a run: every launcher callback becomes a store event (cheap), and a timer hands the
 * latest state to Ink: status changes within 1/maxFps s, routine news a few times a second, the clock
 * once a second. A frame costs the launcher milliseconds of CPU that two busy ranks on a small machine
 * would otherwise get, so a chatty rank never costs a render per line.
 */
export class InkObserver implements RunObserver {
  private state: RunState = initialRunState();
  private instance?: Instance;
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private urgent = false;
  private lastDraw = 0;
  private supervisor?: Interruptible;
  private readonly stdout: NodeJS.WriteStream;
  private readonly maxFps: number;
  private readonly routineMs: number;
  private readonly now: () => number;
  private readonly onResize = () => this.draw();

  constructor(private readonly options: InkObserverOptions = {}) {
    this.stdout = options.stdout ?? process.stdout;
    this.maxFps = options.maxFps ?? 10;
    this.routineMs = (options.routineIntervalSec ?? 1) * 1000;
    this.now = options.now ?? Date.now;
  }

  /** Gives q and Ctrl+C something to stop (launchRun's `onSupervisor`). */
  attach(supervisor: Interruptible): void {
    this.supervisor = supervisor;
  }

  /** The state drawn last; for tests and for `fabric logs`. */
  get current(): RunState {
    return this.state;
  }

  runStarted(info: RunStartInfo): void {
    this.dispatch({ type: 'started', info });
    this.mount();
  }

  rankLine(rank: number, line: string): void {
    this.dispatch({ type: 'line', rank, line });
  }

  rankMessage(message: RankMessage): void {
    this.dispatch({ type: 'message', message, at: this.now() });
  }

  rankStalled(rank: number, seconds: number, step: number): void {
    this.dispatch({ type: 'stalled', rank, seconds, step });
  }

  rankResponsive(rank: number): void {
    this.dispatch({ type: 'responsive', rank, at: this.now() });
  }

  rankExited(rank: number, exitCode: number, signal: NodeJS.Signals | null): void {
    this.dispatch({ type: 'exited', rank, exitCode, signal });
  }

  notice(text: string): void {
    this.dispatch({ type: 'notice', text });
  }

  runEnded(summary: RunEndInfo): void {
    this.dispatch({ type: 'ended', summary });
    this.draw();
    this.unmount();
  }

  /** Stops drawing and leaves the last frame on screen. */
  unmount(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.stdout.off('resize', this.onResize);
    this.instance?.unmount();
    this.instance = undefined;
  }

  private dispatch(event: RunEvent): void {
    this.state = reduceRun(this.state, event);
    this.dirty = true;
    if (URGENT.has(event.type)) this.urgent = true;
  }

  private stop = (): void => {
    this.dispatch({ type: 'stopRequested' });
    this.supervisor?.interrupt('SIGINT');
    this.draw();
  };

  private element() {
    return createElement(Dashboard, {
      state: this.state,
      now: this.now(),
      columns: this.stdout.columns || 100,
      rows: this.stdout.rows || 30,
      onStop: this.stop,
      cwd: this.options.cwd,
    });
  }

  private mount(): void {
    if (this.instance) return;
    this.instance = render(this.element(), {
      stdout: this.stdout,
      stdin: this.options.stdin ?? process.stdin,
      maxFps: this.maxFps,
      // Raw mode swallows Ctrl+C; the dashboard hands it to the supervisor like a real SIGINT.
      exitOnCtrlC: false,
      patchConsole: false,
    });
    this.lastDraw = Date.now();
    this.stdout.on('resize', this.onResize);
    this.timer = setInterval(() => {
      const since = Date.now() - this.lastDraw;
      // Elapsed time and heartbeat ages move without events: redraw at least once a second.
      if (this.urgent || (this.dirty && since >= this.routineMs) || since >= 1000) this.draw();
    }, Math.ceil(1000 / this.maxFps));
    this.timer.unref();
  }

  private draw(): void {
    if (!this.instance) return;
    this.dirty = false;
    this.urgent = false;
    this.lastDraw = Date.now();
    this.instance.rerender(this.element());
  }
}
