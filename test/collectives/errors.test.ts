import { describe, expect, it } from 'vitest';
import { CollectiveError, formatDuration, formatRanks, isCollectiveError } from '../../src/collectives/errors.js';

describe('collective errors', () => {
  it('carry their kind and rank and are recognisable by name', () => {
    const error = new CollectiveError('timeout', 'x', 3);
    expect(isCollectiveError(error)).toBe(true);
    expect(isCollectiveError(new Error('x'))).toBe(false);
    expect([error.kind, error.rank, error.name]).toEqual(['timeout', 3, 'CollectiveError']);
  });

  it('format durations and rank lists for messages', () => {
    expect(formatDuration(250)).toBe('250 ms');
    expect(formatDuration(30_000)).toBe('30 s');
    expect(formatDuration(1500)).toBe('1.5 s');
    expect(formatDuration(30 * 60_000)).toBe('30 min');
    expect(formatRanks([2, 3])).toBe('2, 3');
  });
});
