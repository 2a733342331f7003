import { render } from 'ink';
import { createElement } from 'react';
import { Dashboard } from './Dashboard.js';
import type { RunReplay } from './run-replay.js';

export interface ViewerOptions {
  replay: RunReplay;
  /** Keep reading the run until it ends (or q); otherwise draw once. */
  follow: boolean;
  metric?: string;
  rank?: number;
  pollMs?: number;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

/**
 * `fabric logs` on a terminal: the run's dashboard, read-only, built from its directory. Without
 * --follow it draws the current state once; with it, it redraws as the files grow until the run ends or q.
 */
export function showRunDashboard(options: ViewerOptions): Promise<void> {
  const { replay } = options;
  const stdout = options.stdout ?? process.stdout;
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const leave = () => {
      if (timer) clearInterval(timer);
      stdout.off('resize', draw);
      instance.unmount();
      resolve();
    };
    const following = options.follow && !replay.ended;
    const element = () =>
      createElement(Dashboard, {
        state: replay.state,
        now: Date.now(),
        columns: stdout.columns || 100,
        rows: stdout.rows || 30,
        readOnly: true,
        onStop: following ? leave : undefined,
        initialMetric: options.metric,
        initialRank: options.rank,
      });
    const instance = render(element(), { stdout, stdin: options.stdin ?? process.stdin, maxFps: 10, exitOnCtrlC: false, patchConsole: false });
    function draw() {
      instance.rerender(element());
    }
    if (!following) {
      leave();
      return;
    }
    stdout.on('resize', draw);
    timer = setInterval(() => {
      replay.update();
      draw();
      if (replay.ended) leave();
    }, options.pollMs ?? 500);
  });
}
