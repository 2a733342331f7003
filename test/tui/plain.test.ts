import { describe, expect, it } from 'vitest';
import { formatMetric, formatProgressLine, LineSplitter, prefixRank } from '../../src/tui/plain.js';

describe('plain output', () => {
  it('prefixes lines with the rank', () => {
    expect(prefixRank(3, 'hello')).toBe('[rank 3] hello');
  });

  it('formats metrics compactly', () => {
    expect(formatMetric(0.123456)).toBe('0.1235');
    expect(formatMetric(42)).toBe('42');
    expect(formatMetric(1.5e-5)).toBe('1.500e-5');
    expect(formatMetric(Number.NaN)).toBe('NaN');
  });

  it('builds a progress line with steps per second', () => {
    expect(formatProgressLine(0, 120, { loss: 0.5, acc: 0.97 }, 41.26)).toBe('[rank 0] step 120  loss=0.5000  acc=0.9700  41.3 steps/s');
    expect(formatProgressLine(1, 5, {})).toBe('[rank 1] step 5');
  });

  it('splits chunks into whole lines and flushes the partial last one at the end', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((l) => lines.push(l));
    splitter.push('a\nb');
    splitter.push('c\nd');
    expect(lines).toEqual(['a', 'bc']);
    splitter.end();
    expect(lines).toEqual(['a', 'bc', 'd']);
  });
});
