import { describe, expect, it } from 'vitest';
import { describePeer, RefusalLog } from '../../src/collectives/refusal-log.js';

describe('RefusalLog', () => {
  it('logs the first refusals one line each, then only counts', () => {
    const lines: string[] = [];
    const log = new RefusalLog((line) => lines.push(line), 'store on 0.0.0.0:1');
    for (let i = 0; i < 50; i++) log.refuse(`10.0.0.${i}:1`, 'wrong token');
    expect(log.count).toBe(50);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe('store on 0.0.0.0:1: refused a connection from 10.0.0.0:1: wrong token.');
    expect(lines[20]).toMatch(/further ones are counted but not logged/);
  });

  it('describes peers', () => {
    expect(describePeer({ remoteAddress: '1.2.3.4', remotePort: 5 })).toBe('1.2.3.4:5');
    expect(describePeer({})).toBe('a local process');
  });
});
