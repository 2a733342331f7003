import { describe, expect, it } from 'vitest';
import { KeyValueTable } from '../../src/collectives/store-table.js';

describe('KeyValueTable', () => {
  it('wakes a waiter once all its keys exist, at once when they already do', () => {
    const table = new KeyValueTable();
    const seen: unknown[] = [];
    table.waitFor(['a', 'b'], null, (values) => seen.push(values));
    table.set('a', 1);
    expect(seen).toEqual([]);
    table.set('b', [2]);
    expect(seen).toEqual([[1, [2]]]);
    table.waitFor(['a'], null, (values) => seen.push(values));
    expect(seen.at(-1)).toEqual([1]);
  });

  it('times out with null, and cancelled waiters never fire', async () => {
    const table = new KeyValueTable();
    const timedOut = await new Promise((resolve) => table.waitFor(['x'], 20, resolve));
    expect(timedOut).toBeNull();
    let fired = false;
    const cancel = table.waitFor(['y'], null, () => (fired = true));
    cancel();
    table.set('y', 1);
    expect(fired).toBe(false);
  });

  it('counts with add, deletes, and refuses to add to non-numbers', () => {
    const table = new KeyValueTable();
    expect(table.add('n', 2)).toBe(2);
    expect(table.add('n', -5)).toBe(-3);
    table.set('s', 'text');
    expect(() => table.add('s', 1)).toThrow(/is not a counter \(its value is of type string\)/);
    table.delete('s');
    expect(table.get('s')).toBeUndefined();
    expect(table.size).toBe(1);
  });
});
