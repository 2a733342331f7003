/** The store's memory: JSON values by key, with waiters that fire when all their keys exist. */
import type { JsonValue } from './types.js';

interface Waiter {
  keys: string[];
  done: (values: JsonValue[] | null) => void;
  timer: NodeJS.Timeout | null;
}

export class KeyValueTable {
  private readonly values = new Map<string, JsonValue>();
  private readonly waiters = new Set<Waiter>();

  get size(): number {
    return this.values.size;
  }

  get(key: string): JsonValue | undefined {
    return this.values.get(key);
  }

  set(key: string, value: JsonValue): void {
    this.values.set(key, value);
    this.wake(key);
  }

  delete(key: string): void {
    this.values.delete(key);
  }

  /** Adds `delta` to the number at `key` (0 when absent) and returns the new value. */
  add(key: string, delta: number): number {
    const current = this.values.get(key) ?? 0;
    if (typeof current !== 'number') throw new TypeError(`store key '${key}' is not a counter (its value is of type ${typeof current})`);
    const next = current + delta;
    this.set(key, next);
    return next;
  }

  /**
   * Calls `done` with the values once every key exists (at once if they already do), or with null after
   * `timeoutMs` (null: wait forever). Returns a function that cancels the wait without calling `done`.
   */
  waitFor(keys: string[], timeoutMs: number | null, done: (values: JsonValue[] | null) => void): () => void {
    if (keys.every((key) => this.values.has(key))) {
      done(keys.map((key) => this.values.get(key) as JsonValue));
      return () => {};
    }
    const waiter: Waiter = { keys, done, timer: null };
    if (timeoutMs !== null) {
      waiter.timer = setTimeout(() => {
        this.waiters.delete(waiter);
        done(null);
      }, timeoutMs);
      waiter.timer.unref();
    }
    this.waiters.add(waiter);
    return () => {
      if (waiter.timer) clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
    };
  }

  /** Wakes no one again: every pending waiter is dropped without a call. */
  dropWaiters(): void {
    for (const waiter of this.waiters) if (waiter.timer) clearTimeout(waiter.timer);
    this.waiters.clear();
  }

  private wake(key: string): void {
    for (const waiter of [...this.waiters]) {
      if (!waiter.keys.includes(key) || !waiter.keys.every((k) => this.values.has(k))) continue;
      if (waiter.timer) clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.done(waiter.keys.map((k) => this.values.get(k) as JsonValue));
    }
  }
}
