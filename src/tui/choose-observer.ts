import type { RunObserver } from '../launcher/observer.js';
import type { RunSupervisor } from '../launcher/supervisor.js';
import { PlainObserver } from './plain-observer.js';
import { importWithProductionReact } from './production-react.js';

export interface ObserverChoice {
  observer: RunObserver;
  /** Pass to launchRun: the dashboard's q and Ctrl+C stop the run through the supervisor. */
  onSupervisor?: (supervisor: RunSupervisor) => void;
  dashboard: boolean;
  /** Releases the terminal if the launch fails half way (the dashboard leaves raw mode). */
  close: () => void;
}

/** CI services set CI (to anything but "false" or "0"); their logs want plain lines, not redraws. */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI;
  return ci !== undefined && ci !== '' && ci !== 'false' && ci !== '0';
}

/** `--tui` forces the dashboard, `--no-tui` plain lines; without either, the dashboard on a terminal outside CI. */
export function wantsDashboard(tui: boolean | undefined, stdout: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return tui ?? (stdout.isTTY === true && !isCi(env));
}

/**
 * The observer for `fabric run model` and `fabric resume`. Ink and React load only when the dashboard is
 * chosen, so plain runs (CI, pipes) start as fast as before.
 */
export async function chooseRunObserver(options: { tui: boolean | undefined; progressInterval: number; env?: NodeJS.ProcessEnv }): Promise<ObserverChoice> {
  if (!wantsDashboard(options.tui, process.stdout, options.env ?? process.env)) {
    return { observer: new PlainObserver((line) => process.stdout.write(`${line}\n`), options.progressInterval), dashboard: false, close: () => {} };
  }
  const { InkObserver } = await importWithProductionReact(() => import('./ink-observer.js'));
  const observer = new InkObserver();
  return { observer, onSupervisor: (supervisor) => observer.attach(supervisor), dashboard: true, close: () => observer.unmount() };
}
