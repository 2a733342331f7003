import { describe, expect, it } from 'vitest';
import { chooseRunObserver, isCi, wantsDashboard } from '../../src/tui/choose-observer.js';
import { PlainObserver } from '../../src/tui/plain-observer.js';

describe('choosing the dashboard or plain lines', () => {
  it('reads CI the way CI services set it', () => {
    expect(isCi({ CI: 'true' })).toBe(true);
    expect(isCi({ CI: '1' })).toBe(true);
    expect(isCi({ CI: 'false' })).toBe(false);
    expect(isCi({ CI: '0' })).toBe(false);
    expect(isCi({})).toBe(false);
  });

  it('uses the dashboard on a terminal outside CI unless a flag says otherwise', () => {
    expect(wantsDashboard(undefined, { isTTY: true }, {})).toBe(true);
    expect(wantsDashboard(undefined, { isTTY: false }, {})).toBe(false);
    expect(wantsDashboard(undefined, { isTTY: true }, { CI: 'true' })).toBe(false);
    expect(wantsDashboard(false, { isTTY: true }, {})).toBe(false);
    expect(wantsDashboard(true, { isTTY: false }, { CI: 'true' })).toBe(true);
  });

  it('gives plain lines when not on a terminal', async () => {
    const choice = await chooseRunObserver({ tui: false, progressInterval: 2 });
    expect(choice.dashboard).toBe(false);
    expect(choice.observer).toBeInstanceOf(PlainObserver);
    expect(choice.onSupervisor).toBeUndefined();
    choice.close();
  });

  it('gives the Ink observer, wired to the supervisor, when the dashboard is forced', async () => {
    const choice = await chooseRunObserver({ tui: true, progressInterval: 2 });
    expect(choice.dashboard).toBe(true);
    expect(choice.observer.constructor.name).toBe('InkObserver');
    expect(typeof choice.onSupervisor).toBe('function');
    choice.close();
  });
});
