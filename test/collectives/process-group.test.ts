import { afterEach, describe, expect, it } from 'vitest';
import { chunkStart } from '../../src/collectives/chunks.js';
import { ProcessGroup } from '../../src/collectives/process-group.js';
import type { NumericArray, ReduceOp } from '../../src/collectives/types.js';
import { firstDifference, makeArray, reference, startRanks, type Ranks } from './helpers.js';

const FOUR_MB = (4 * 1024 * 1024) / 4 + 3;
let ranks: Ranks | null = null;
afterEach(async () => {
  await ranks?.close();
  ranks = null;
});

describe.each([1, 2, 3, 4])('world size %i', (worldSize) => {
  it.each(['float32', 'int32'] as const)('allReduce, reduceScatter and allGather of %s match a local reduction for sizes 0, 1, 7, 1000', async (dtype) => {
    ranks = await startRanks(worldSize, { segmentElements: 16 });
    const { groups } = ranks;
    const ops: ReduceOp[] = dtype === 'int32' ? ['sum', 'max', 'min'] : ['sum', 'mean', 'max', 'min'];
    for (const length of [0, 1, 7, 1000]) {
      const inputs = groups.map((group) => makeArray(dtype, length, group.rank + length));
      for (const op of ops) {
        const expected = reference(inputs, op);
        const reduced = await Promise.all(groups.map((group, rank) => group.allReduce(inputs[rank], op)));
        for (const result of reduced) {
          expect(result.constructor).toBe(inputs[0].constructor);
          expect(firstDifference(result, expected, 1e-6), `allReduce(${op}) length ${length}`).toBe(-1);
        }
        const scattered = await Promise.all(groups.map((group, rank) => group.reduceScatter(inputs[rank], op)));
        scattered.forEach((chunk, rank) => {
          const slice = expected.subarray(chunkStart(length, worldSize, rank), chunkStart(length, worldSize, rank + 1));
          expect(firstDifference(chunk, slice, 1e-6), `reduceScatter(${op}) length ${length} rank ${rank}`).toBe(-1);
        });
      }
      const gathered = await Promise.all(groups.map((group, rank) => group.allGather(inputs[rank])));
      for (const arrays of gathered) {
        expect(arrays).toHaveLength(worldSize);
        arrays.forEach((array, rank) => expect(Array.from(array)).toEqual(Array.from(inputs[rank])));
      }
    }
  });

  it('allReduce of ~4 MB float32 values (sum, mean) gives every rank the same bits', async () => {
    ranks = await startRanks(worldSize);
    const { groups } = ranks;
    const inputs = groups.map((group) => makeArray('float32', FOUR_MB, group.rank + 11, false));
    for (const op of ['sum', 'mean'] as const) {
      const results = await Promise.all(groups.map((group, rank) => group.allReduce(inputs[rank], op)));
      expect(firstDifference(results[0], reference(inputs, op), 1e-4)).toBe(-1);
      for (const result of results) expect(Buffer.from(result.buffer).equals(Buffer.from(results[0].buffer))).toBe(true);
    }
  });

  it('allGather with a different length on every rank, including empty and ~4 MB', async () => {
    ranks = await startRanks(worldSize, { segmentElements: 1024 });
    const { groups } = ranks;
    const lengths = [0, 3, FOUR_MB, 1];
    const inputs = groups.map((group) => makeArray('float32', lengths[group.rank], group.rank + 5));
    const gathered = await Promise.all(groups.map((group, rank) => group.allGather(inputs[rank])));
    for (const arrays of gathered) {
      arrays.forEach((array, rank) => {
        expect(array).toBeInstanceOf(Float32Array);
        expect(firstDifference(array, inputs[rank])).toBe(-1);
      });
    }
  });

  it('broadcast sends JSON values and typed arrays from every source', async () => {
    ranks = await startRanks(worldSize, { segmentElements: 8 });
    const { groups } = ranks;
    for (let src = 0; src < worldSize; src++) {
      const value = { from: src, nested: [1, 'two', null, { three: true }], text: 'héllo ✓' };
      const results = await Promise.all(groups.map((group) => group.broadcast(group.rank === src ? value : undefined, src)));
      for (const result of results) expect(result).toEqual(value);
      const floats = makeArray('float32', 1000, src, false);
      const arrays = await Promise.all(groups.map((group) => group.broadcast(group.rank === src ? floats : null, src)));
      for (const array of arrays) {
        expect(array).toBeInstanceOf(Float32Array);
        expect(firstDifference(array as NumericArray, floats)).toBe(-1);
        expect(array).not.toBe(floats);
      }
      const ints = await Promise.all(groups.map((group) => group.broadcast(group.rank === src ? new Int32Array([src, -1]) : null, src)));
      for (const array of ints) expect(Array.from(array as Int32Array)).toEqual([src, -1]);
    }
  });

  it('barrier: no rank leaves before the last one arrives', async () => {
    ranks = await startRanks(worldSize);
    const { groups } = ranks;
    const events: string[] = [];
    await Promise.all(
      groups.map(async (group) => {
        await new Promise((resolve) => setTimeout(resolve, group.rank === worldSize - 1 ? 150 : 0));
        events.push(`enter ${group.rank}`);
        await group.barrier('sync');
        events.push(`leave ${group.rank}`);
      }),
    );
    const lastEnter = events.lastIndexOf(`enter ${worldSize - 1}`);
    const firstLeave = events.findIndex((event) => event.startsWith('leave'));
    expect(lastEnter).toBeLessThan(firstLeave);
  });
});

describe('ProcessGroup', () => {
  it('runs operations started without awaiting in call order', async () => {
    ranks = await startRanks(3, { segmentElements: 4 });
    const { groups } = ranks;
    const all = groups.map((group) =>
      Promise.all([
        group.allReduce(new Float32Array([group.rank, 1]), 'sum'),
        group.broadcast(group.rank === 2 ? 'two' : null, 2),
        group.allGather(new Int32Array([group.rank])),
        group.barrier(),
        group.allReduce(new Int32Array(50).fill(group.rank + 1), 'max'),
      ]),
    );
    for (const [sum, text, gathered, , max] of await Promise.all(all)) {
      expect(Array.from(sum)).toEqual([3, 3]);
      expect(text).toBe('two');
      expect(gathered.map((a) => a[0])).toEqual([0, 1, 2]);
      expect(new Set(max)).toEqual(new Set([3]));
    }
  });

  it("writes into 'out', which may be the input itself", async () => {
    ranks = await startRanks(2, { segmentElements: 4 });
    const { groups } = ranks;
    const inputs = groups.map((group) => makeArray('float32', 1001, group.rank));
    const expected = reference(inputs, 'sum');
    const outs = groups.map(() => new Float32Array(1001));
    const results = await Promise.all(groups.map((group, rank) => group.allReduce(inputs[rank], 'sum', { out: outs[rank] })));
    results.forEach((result, rank) => expect(result).toBe(outs[rank]));
    const inPlace = await Promise.all(groups.map((group, rank) => group.allReduce(inputs[rank], 'sum', { out: inputs[rank] })));
    inPlace.forEach((result, rank) => {
      expect(result).toBe(inputs[rank]);
      expect(firstDifference(result, expected)).toBe(-1);
    });
    await expect(groups[0].allReduce(inputs[0], 'sum', { out: new Float32Array(3) })).rejects.toThrow(/'out' must be a Float32Array of length 1001/);
    const chunks = groups.map((group) => new Float32Array(group.rank === 0 ? 501 : 500));
    const scattered = await Promise.all(groups.map((group, rank) => group.reduceScatter(expected, 'max', { out: chunks[rank] })));
    scattered.forEach((chunk, rank) => expect(chunk).toBe(chunks[rank]));
    expect(Array.from(chunks[1])).toEqual(Array.from(expected.subarray(501)));
    await expect(groups[1].reduceScatter(expected, 'sum', { out: new Float32Array(501) })).rejects.toThrow(/'out' must be a Float32Array of length 500 \(this rank's chunk\)/);
  });

  it('rejects arguments it cannot honour with clear errors', async () => {
    const group = await ProcessGroup.connect({ rank: 0, worldSize: 1, mainAddress: '127.0.0.1', mainPort: 0, token: null });
    await expect(group.allReduce(new Int32Array(3), 'mean')).rejects.toThrow(TypeError);
    await expect(group.allReduce(new Int32Array(3), 'mean')).rejects.toThrow(/mean of int32 values is not an integer/);
    await expect(group.reduceScatter(new Int32Array(3), 'mean')).rejects.toThrow(/reduceScatter\(mean\) needs float32 values/);
    await expect(group.allReduce(new Float64Array(3) as unknown as Float32Array, 'sum')).rejects.toThrow(/Float32Array or an Int32Array, got Float64Array/);
    await expect(group.allGather([1, 2] as unknown as Float32Array)).rejects.toThrow(/got Array/);
    await expect(group.allReduce(new Float32Array(3), 'prod' as ReduceOp)).rejects.toThrow(/sum, mean, max, min/);
    await expect(group.broadcast({}, 1)).rejects.toThrow(RangeError);
    await expect(group.broadcast(new Uint8Array(2), 0)).rejects.toThrow(/got a Uint8Array/);
    await expect(group.broadcast(undefined, 0)).rejects.toThrow(/cannot be sent as JSON/);
    await expect(group.broadcast({ big: 1n }, 0)).rejects.toThrow(/cannot be turned into JSON/);
    await group.close();
  });

  it('world size 1: every operation returns a copy at once, without a store or sockets', async () => {
    const group = await ProcessGroup.connect({ rank: 0, worldSize: 1, mainAddress: '127.0.0.1', mainPort: 0, token: 'x' });
    const data = new Float32Array([1, 2, 3]);
    const reduced = await group.allReduce(data, 'mean');
    expect(reduced).not.toBe(data);
    expect(Array.from(reduced)).toEqual([1, 2, 3]);
    expect((await group.allGather(data))[0]).not.toBe(data);
    expect(Array.from(await group.reduceScatter(data, 'sum'))).toEqual([1, 2, 3]);
    const value = { a: [1] };
    const copy = await group.broadcast(value, 0);
    expect(copy).toEqual(value);
    expect(copy).not.toBe(value);
    await group.barrier();
    expect(group.transports).toBeNull();
    await group.close();
    await group.close();
    await expect(group.barrier()).rejects.toThrow(/after the process group was closed/);
  });

  it('uses Unix sockets between ranks on one host and TCP between different hostIds', async () => {
    ranks = await startRanks(3, (rank) => ({ hostId: rank === 2 ? 'other-host' : 'this-host' }));
    const [r0, r1, r2] = ranks.groups;
    expect(r1.transports).toEqual({ fromPrev: 'unix', toNext: 'tcp' });
    expect(r2.transports).toEqual({ fromPrev: 'tcp', toNext: 'tcp' });
    expect(r0.transports).toEqual({ fromPrev: 'tcp', toNext: 'unix' });
    const results = await Promise.all(ranks.groups.map((group) => group.allReduce(new Float32Array(100_000).fill(group.rank), 'sum')));
    for (const result of results) expect(result.every((value) => value === 3)).toBe(true);
  });

  it('removes its Unix socket files (none are left in socketDir)', async () => {
    const fs = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-sockets-'));
    ranks = await startRanks(2, { socketDir });
    expect(fs.readdirSync(socketDir)).toEqual([]);
    await ranks.close();
    ranks = null;
    expect(fs.readdirSync(socketDir)).toEqual([]);
    fs.rmSync(socketDir, { recursive: true });
  });
});
