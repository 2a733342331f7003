import { describe, expect, it } from 'vitest';
import { chunkLength, chunkStart, segments } from '../../src/collectives/chunks.js';

describe('chunkStart', () => {
  it('splits lengths into contiguous chunks that differ by at most one, longer ones first', () => {
    for (const length of [0, 1, 7, 10, 1000, 1001]) {
      for (const parts of [1, 2, 3, 4, 7]) {
        const lengths = Array.from({ length: parts }, (_, index) => chunkLength(length, parts, index));
        expect(chunkStart(length, parts, 0)).toBe(0);
        expect(chunkStart(length, parts, parts)).toBe(length);
        expect(lengths.reduce((a, b) => a + b, 0)).toBe(length);
        expect(Math.max(...lengths) - Math.min(...lengths)).toBeLessThanOrEqual(1);
        expect([...lengths].sort((a, b) => b - a)).toEqual(lengths);
      }
    }
    expect([0, 1, 2, 3, 4].map((index) => chunkStart(10, 4, index))).toEqual([0, 3, 6, 8, 10]);
  });

  it('rejects impossible arguments', () => {
    expect(() => chunkStart(-1, 2, 0)).toThrow(RangeError);
    expect(() => chunkStart(10, 0, 0)).toThrow(/parts must be a positive integer/);
    expect(() => chunkStart(10, 2, 3)).toThrow(/index must be an integer in \[0, 2\]/);
  });
});

describe('segments', () => {
  it('covers [start, end) with pieces of at most the segment size', () => {
    expect(segments(3, 10, 4)).toEqual([[3, 7], [7, 10]]);
    expect(segments(5, 5, 4)).toEqual([]);
  });
});
