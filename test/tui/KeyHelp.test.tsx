import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { KeyHelp, keyBindings } from '../../src/tui/KeyHelp.js';

describe('KeyHelp', () => {
  it('is one line until ? expands it', () => {
    const frame = render(<KeyHelp expanded={false} readOnly={false} stopping={false} />).lastFrame()!;
    expect(frame.split('\n')).toHaveLength(1);
    expect(frame).toContain('? keys');
    expect(frame).toContain('q stop');
  });

  it('lists every key when expanded', () => {
    const frame = render(<KeyHelp expanded readOnly={false} stopping={false} />).lastFrame()!;
    for (const [key, what] of keyBindings(false)) {
      expect(frame).toContain(key);
      expect(frame).toContain(what);
    }
    expect(frame).toContain('stop the run gracefully');
    expect(frame).toContain('force');
  });

  it('tells what q does now: force after a first stop, leave in the viewer', () => {
    expect(render(<KeyHelp expanded={false} readOnly={false} stopping />).lastFrame()).toContain('force stop');
    expect(render(<KeyHelp expanded={false} readOnly stopping={false} />).lastFrame()).toContain('q quit');
    expect(render(<KeyHelp expanded readOnly stopping={false} />).lastFrame()).toContain('the run goes on');
  });
});
