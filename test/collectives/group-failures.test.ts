import { afterEach, describe, expect, it } from 'vitest';
import { isCollectiveError, type CollectiveError } from '../../src/collectives/errors.js';
import type { ProcessGroup } from '../../src/collectives/process-group.js';
import { startRanks, type Ranks } from './helpers.js';

let ranks: Ranks | null = null;
afterEach(async () => {
  await ranks?.close();
  ranks = null;
});

async function failureOf(promise: Promise<unknown>): Promise<CollectiveError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!isCollectiveError(error)) throw new Error(`expected a CollectiveError, got ${String(error)}`);
  return error;
}

/** What a crashed rank leaves behind: its sockets vanish without a word. */
function crash(group: ProcessGroup): void {
  const internals = group as unknown as { plumbing: { links: { fromPrev: { socket: { destroy(): void } }; toNext: { socket: { destroy(): void } } } }; store: { socket?: { destroy(): void } } };
  internals.plumbing.links.fromPrev.socket.destroy();
  internals.plumbing.links.toNext.socket.destroy();
  internals.store.socket?.destroy();
}

describe('mismatched operations', () => {
  it('fail on every rank with a message naming both operations', async () => {
    ranks = await startRanks(3);
    const [r0, r1, r2] = ranks.groups;
    const errors = await Promise.all([
      failureOf(r0.allReduce(new Float32Array(1000), 'sum')),
      failureOf(r1.barrier('epoch')),
      failureOf(r2.allReduce(new Float32Array(1000), 'sum')),
    ]);
    for (const error of errors) {
      expect(['mismatch', 'aborted']).toContain(error.kind);
      expect(error.message).toMatch(/rank \d is in (allReduce #1 \(sum\) with 1000 float32 values|barrier #1)/);
      expect(error.message).toMatch(/but rank \d is in/);
    }
    expect(errors.some((error) => error.kind === 'mismatch')).toBe(true);
    expect(errors.find((error) => error.kind === 'mismatch')!.message).toContain('Every rank must call the same collectives');
    const later = await failureOf(r0.barrier());
    expect(later.message).toMatch(/barrier #2 cannot run on rank 0 because the process group failed earlier/);
  });

  it.each([
    ['lengths', (g: ProcessGroup) => g.allReduce(new Float32Array(g.rank === 0 ? 1000 : 999), 'sum'), /1000 float32 values.*999 float32 values|999 float32 values.*1000 float32 values/],
    ['dtypes', (g: ProcessGroup) => g.allReduce(g.rank === 0 ? new Float32Array(4) : new Int32Array(4), 'max'), /float32.*int32|int32.*float32/],
    ['reduce ops', (g: ProcessGroup) => g.allReduce(new Float32Array(4), g.rank === 0 ? 'sum' : 'min'), /\(sum\).*\(min\)|\(min\).*\(sum\)/],
    ['broadcast sources', (g: ProcessGroup) => g.broadcast(1, g.rank), /from rank 0.*from rank 1|from rank 1.*from rank 0/],
  ])('detect different %s', async (_, call, message) => {
    ranks = await startRanks(2);
    const errors = await Promise.all(ranks.groups.map((group) => failureOf(call(group))));
    for (const error of errors) expect(error.message).toMatch(message);
  });
});

describe('timeouts', () => {
  it('name the rank that never arrived, on every waiting rank, and reach the late rank too', async () => {
    ranks = await startRanks(3, { timeoutMs: 400 });
    const [r0, r1, r2] = ranks.groups;
    await Promise.all(ranks.groups.map((group) => group.barrier()));
    const started = Date.now();
    const errors = await Promise.all([failureOf(r0.allReduce(new Float32Array(10), 'sum')), failureOf(r1.allReduce(new Float32Array(10), 'sum'))]);
    expect(Date.now() - started).toBeLessThan(5000);
    for (const error of errors) {
      expect(['timeout', 'aborted']).toContain(error.kind);
      expect(error.message).toMatch(/allReduce #2 \(sum\) with 10 float32 values timed out after 400 ms on rank [01]; ranks that did not arrive: 2\./);
    }
    const late = await failureOf(r2.allReduce(new Float32Array(10), 'sum'));
    expect(late.message).toContain('ranks that did not arrive: 2');
  });

  it('say so when every rank arrived but the operation still did not finish', async () => {
    ranks = await startRanks(2, { timeoutMs: 300 });
    const [r0, r1] = ranks.groups;
    // Both ranks enter the allReduce, but rank 1's link to rank 0 is stalled: its writes never leave.
    (r1 as unknown as { plumbing: { links: { toNext: { socket: { cork(): void } } } } }).plumbing.links.toNext.socket.cork();
    const errors = await Promise.all([failureOf(r0.allReduce(new Float32Array(4), 'sum')), failureOf(r1.allReduce(new Float32Array(4), 'sum'))]);
    expect(errors.map((error) => error.message).join('\n')).toContain('every rank arrived, but the data did not get through in time');
  });
});

describe('lost ranks', () => {
  it('a rank that dies mid-operation fails the others quickly, naming it', async () => {
    ranks = await startRanks(3, { timeoutMs: 60_000 });
    const [r0, r1, r2] = ranks.groups;
    const pending = [failureOf(r0.allReduce(new Float32Array(100), 'sum')), failureOf(r1.allReduce(new Float32Array(100), 'sum'))];
    await new Promise((resolve) => setTimeout(resolve, 50));
    crash(r2);
    const started = Date.now();
    const errors = await Promise.all(pending);
    expect(Date.now() - started).toBeLessThan(3000);
    for (const error of errors) expect(error.message).toMatch(/Rank 2 disconnected during allReduce #1/);
  });

  it('a neighbour that closed between operations makes the next one fail at once', async () => {
    ranks = await startRanks(2);
    const [r0, r1] = ranks.groups;
    await Promise.all(ranks.groups.map((group) => group.barrier()));
    await r1.close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const error = await failureOf(r0.allReduce(new Float32Array(3), 'sum'));
    expect(error.kind).toBe('disconnect');
    expect(error.message).toMatch(/Rank 1 closed its connection to rank 0 after barrier #1/);
  });

  it('close() fails the running and the queued operations of that rank', async () => {
    ranks = await startRanks(2);
    const [r0] = ranks.groups;
    const running = failureOf(r0.allReduce(new Float32Array(3), 'sum'));
    const queued = failureOf(r0.barrier());
    await new Promise((resolve) => setTimeout(resolve, 20));
    await r0.close();
    expect((await running).kind).toBe('closed');
    expect((await queued).message).toMatch(/barrier #2 was called on rank 0 after the process group was closed/);
  });
});
