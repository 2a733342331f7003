import * as os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { OpRun } from '../../src/collectives/op-run.js';
import { ReduceKernels } from '../../src/collectives/reduce-kernels.js';
import { ringAllGather, ringBroadcast, ringReduce, type RingContext } from '../../src/collectives/ring.js';
import { connectToPredecessor, listenForSuccessor, unixSocketPath } from '../../src/collectives/transport.js';
import type { NumericArray } from '../../src/collectives/types.js';
import { makeArray, reference } from './helpers.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A ring of `n` links wired directly (no store), returning a fresh RingContext per rank for one operation. */
async function ring(n: number): Promise<() => RingContext[]> {
  const security = { token: 'ring', log: () => {} };
  const listeners = await Promise.all(Array.from({ length: n }, (_, rank) => listenForSuccessor({ kind: 'unix', path: unixSocketPath(os.tmpdir(), rank) }, (rank + 1) % n, security, rank)));
  const fromPrev = await Promise.all(Array.from({ length: n }, (_, rank) => connectToPredecessor(listeners[(rank - 1 + n) % n].address, rank, security, Date.now() + 2000)));
  const toNext = await Promise.all(listeners.map((listener) => listener.accepted));
  cleanups.push(() => [...fromPrev, ...toNext].forEach((link) => link.socket.destroy()));
  const kernels = Array.from({ length: n }, () => new ReduceKernels(8));
  return () => Array.from({ length: n }, (_, rank) => ({ rank, worldSize: n, kernels: kernels[rank], run: new OpRun(fromPrev[rank].receiver, toNext[rank].socket, (error) => { throw error; }) }));
}

async function settle(contexts: RingContext[]): Promise<void> {
  for (const context of contexts) context.run.finishIssuing();
  await Promise.all(contexts.map((context) => context.run.done));
}

describe('ring algorithms', () => {
  it('ringReduce: all-reduce and reduce-scatter of 3 ranks, segmented', async () => {
    const contexts = await ring(3);
    const inputs = [0, 1, 2].map((rank) => makeArray('int32', 50, rank));
    const outs = inputs.map((input) => new Int32Array(input.length));
    const round = contexts();
    round.forEach((context, rank) => ringReduce(context, inputs[rank], 'sum', { kind: 'allReduce', out: outs[rank] }));
    await settle(round);
    for (const out of outs) expect(Array.from(out)).toEqual(Array.from(reference(inputs, 'sum')));

    const owns = [17, 17, 16].map((length) => new Int32Array(length));
    const scatter = contexts();
    scatter.forEach((context, rank) => ringReduce(context, inputs[rank], 'max', { kind: 'reduceScatter', partial: new Int32Array(50), own: owns[rank] }));
    await settle(scatter);
    expect(Array.from(owns[2])).toEqual(Array.from(reference(inputs, 'max').subarray(34)));
  });

  it('ringAllGather and ringBroadcast pass every block around the ring', async () => {
    const contexts = await ring(3);
    const results = [0, 1, 2].map(() => [] as NumericArray[]);
    const gather = contexts();
    gather.forEach((context, rank) => ringAllGather(context, new Float32Array(rank * 10).fill(rank), results[rank]));
    await settle(gather);
    for (const arrays of results) expect(arrays.map((array) => array.length)).toEqual([0, 10, 20]);

    const received: unknown[] = [];
    const cast = contexts();
    cast.forEach((context, rank) => ringBroadcast(context, 1, rank === 1 ? { bytes: new Uint8Array(40).fill(5), dtype: 'json' } : null, (array) => (received[rank] = array)));
    await settle(cast);
    expect((received[0] as Uint8Array).length).toBe(40);
    expect((received[2] as Uint8Array)[39]).toBe(5);
    expect(received[1]).toBeUndefined();
  });
});
