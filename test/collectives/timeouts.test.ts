import { describe, expect, it } from 'vitest';
import { withTimeout } from '../../src/collectives/timeouts.js';

describe('withTimeout', () => {
  it('passes results through and calls onTimeout when late', async () => {
    expect(await withTimeout(Promise.resolve(1), 100, () => {})).toBe(1);
    let called = false;
    await expect(withTimeout(new Promise(() => {}), 10, () => (called = true))).rejects.toThrow(/timed out after 10 ms/);
    expect(called).toBe(true);
  });
});
