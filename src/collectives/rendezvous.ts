/**
 * How ranks find each other: each rank claims its rank number in the store, announces its host, opens a
 * listener for its successor (a Unix socket when the successor shares its hostId, TCP otherwise),
 * publishes the address, and connects to its predecessor's. Everything waits at most until `deadline`.
 */
import type * as net from 'node:net';
import { FabricUserError } from '../errors.js';
import type { ByteReceiver } from './byte-receiver.js';
import { CollectiveError, formatDuration, formatRanks } from './errors.js';
import { StoreClosedError, StoreTimeoutError, type StoreClient } from './store-client.js';
import { withTimeout } from './timeouts.js';
import { connectToPredecessor, listenForSuccessor, unixSocketPath, type LinkSecurity, type PeerAddress, type SuccessorListener } from './transport.js';
import type { JsonValue } from './types.js';

export interface RingLink {
  socket: net.Socket;
  receiver: ByteReceiver;
  kind: 'unix' | 'tcp';
}

export interface RingLinks {
  /** Bytes from rank - 1 arrive here (our client socket, read with onread). */
  fromPrev: RingLink;
  /** Bytes to rank + 1 leave here (the socket our successor opened). */
  toNext: RingLink;
}

export interface RendezvousOptions extends LinkSecurity {
  rank: number;
  worldSize: number;
  hostId: string;
  socketDir: string;
  /** Host our TCP listener binds to and announces (the interface that reaches rank 0). */
  tcpHost: string;
  deadline: number;
  startedAt: number;
}

export const storeKeys = {
  claim: (rank: number) => `fabric/claim/${rank}`,
  join: (rank: number) => `fabric/join/${rank}`,
  address: (rank: number) => `fabric/addr/${rank}`,
  op: (rank: number) => `fabric/op/${rank}`,
  abort: 'fabric/abort',
};

interface JoinRecord {
  hostId: string;
  worldSize: number;
  pid: number;
}

export async function buildRing(store: StoreClient, options: RendezvousOptions): Promise<RingLinks> {
  const { rank, worldSize } = options;
  const next = (rank + 1) % worldSize;
  const prev = (rank - 1 + worldSize) % worldSize;

  if ((await store.add(storeKeys.claim(rank), 1)) > 1) {
    throw new FabricUserError(`Two processes joined the run as rank ${rank}. Each process needs its own RANK (0..${worldSize - 1}).`);
  }
  const mine: JoinRecord = { hostId: options.hostId, worldSize, pid: process.pid };
  await store.set(storeKeys.join(rank), mine as unknown as JsonValue);
  const [nextJoin] = (await waitOrExplain(store, [storeKeys.join(next)], options, `rank ${next} to join`)) as unknown as JoinRecord[];
  if (nextJoin.worldSize !== worldSize) {
    throw new FabricUserError(`Rank ${rank} was started with a world size of ${worldSize} but rank ${next} with ${nextJoin.worldSize}. Start every rank with the same WORLD_SIZE.`);
  }

  const kind = nextJoin.hostId === options.hostId ? 'unix' : 'tcp';
  const wanted: PeerAddress = kind === 'unix' ? { kind, path: unixSocketPath(options.socketDir, rank) } : { kind, host: options.tcpHost, port: 0 };
  const listener: SuccessorListener = await listenForSuccessor(wanted, next, options, rank);
  try {
    await store.set(storeKeys.address(rank), listener.address as unknown as JsonValue);
    const [prevAddress] = (await waitOrExplain(store, [storeKeys.address(prev)], options, `rank ${prev} to open its ring listener`)) as unknown as PeerAddress[];
    const [fromPrev, toNext] = await Promise.allSettled([
      connectToPredecessor(prevAddress, rank, options, options.deadline),
      withTimeout(listener.accepted, Math.max(1, options.deadline - Date.now()), () => {}).catch(() => {
        throw rendezvousTimeout(options, `rank ${next} to connect to its ring link`, []);
      }),
    ]);
    if (fromPrev.status === 'rejected' || toNext.status === 'rejected') {
      for (const link of [fromPrev, toNext]) if (link.status === 'fulfilled') link.value.socket.destroy();
      throw fromPrev.status === 'rejected' ? fromPrev.reason : (toNext as PromiseRejectedResult).reason;
    }
    return { fromPrev: { ...fromPrev.value, kind: prevAddress.kind }, toNext: { ...toNext.value, kind } };
  } finally {
    listener.close();
  }
}

async function waitOrExplain(store: StoreClient, keys: string[], options: RendezvousOptions, what: string): Promise<JsonValue[]> {
  try {
    return await store.wait(keys, Math.max(1, options.deadline - Date.now()));
  } catch (error) {
    if (error instanceof StoreClosedError) {
      throw new CollectiveError('rendezvous', `Rendezvous failed on rank ${options.rank} while waiting for ${what}: rank 0 closed the store (it gave up or exited; see rank 0's error).`, options.rank);
    }
    if (!(error instanceof StoreTimeoutError)) throw error;
    const joined = await Promise.all(Array.from({ length: options.worldSize }, (_, rank) => store.get(storeKeys.join(rank)).catch(() => undefined)));
    const missing = joined.flatMap((record, rank) => (record === undefined ? [rank] : []));
    throw rendezvousTimeout(options, what, missing);
  }
}

function rendezvousTimeout(options: RendezvousOptions, what: string, missing: number[]): CollectiveError {
  const waited = formatDuration(Date.now() - options.startedAt);
  const who = missing.length > 0 ? `ranks that never joined: ${formatRanks(missing)}` : 'every rank joined the store';
  return new CollectiveError('rendezvous', `Rendezvous timed out after ${waited} on rank ${options.rank} while waiting for ${what}; ${who}.`, options.rank);
}
