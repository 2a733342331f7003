import { describe, expect, it, vi } from 'vitest';

vi.stubEnv('FORCE_COLOR', '1');
const { render } = await import('ink-testing-library');
const { LogTail } = await import('../../src/tui/LogTail.js');
const strip = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, '');

describe('LogTail', () => {
  it('shows the last lines of one rank under its title', () => {
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i}`);
    const frame = strip(render(<LogTail rank={1} lines={lines} height={5} ranks={[0, 1, 2]} />).lastFrame()!);
    expect(frame.split('\n')).toEqual(['log rank 1 (2/3, tab/0-9 switch)', 'line 25', 'line 26', 'line 27', 'line 28', 'line 29']);
  });

  it('highlights errors, stack frames and warnings', () => {
    const lines = ['all good', 'Warning: lr is high', 'Error: boom', '    at train (/x/train.ts:10:3)'];
    const frame = render(<LogTail rank={0} lines={lines} height={10} ranks={[0]} />).lastFrame()!.split('\n');
    expect(frame[1]).not.toContain('\x1b[3');
    expect(frame[2]).toContain('\x1b[33m');
    expect(frame[3]).toContain('\x1b[31m');
    expect(frame[4]).toContain('\x1b[31m');
  });

  it('neutralises tabs and escape sequences that would break the layout', () => {
    const frame = strip(render(<LogTail rank={0} lines={['a\tb', '\x1b[2Jcleared\x07']} height={5} ranks={[0]} />).lastFrame()!);
    expect(frame).toContain('a  b');
    expect(frame).toContain('cleared');
    expect(frame).not.toContain('\x1b[2J');
  });

  it('says when a rank printed nothing yet', () => {
    expect(render(<LogTail rank={0} lines={[]} height={3} ranks={[0]} />).lastFrame()).toContain('(no output yet)');
  });
});
