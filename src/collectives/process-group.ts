/**
 * A group of ranks that run collectives together: rendezvous through rank 0's store, then a ring of
 * authenticated sockets. Operations run one at a time in call order (you may start several without
 * awaiting); each carries a sequence number, is checked against the predecessor's, and has a timeout.
 * After a failure (timeout, mismatch, lost rank) every later operation fails with the reason: a ring that
 * lost its place cannot be trusted again. Inputs must not be modified until the returned promise settles.
 */
import * as os from 'node:os';
import { FabricUserError } from '../errors.js';
import { validateToken } from './auth.js';
import { chunkLength } from './chunks.js';
import { CollectiveError } from './errors.js';
import { GroupFailures } from './group-failures.js';
import { decodeOpHeader, encodeOpHeader, findMismatch, OP_HEADER_BYTES, type OpDescriptor } from './op-header.js';
import { OpRun } from './op-run.js';
import { ReduceKernels } from './reduce-kernels.js';
import { buildRing, storeKeys, type RingLinks } from './rendezvous.js';
import { ringAllGather, ringBarrier, ringBroadcast, ringReduce, type RingContext } from './ring.js';
import { LocalStoreClient, RemoteStoreClient, type StoreClient } from './store-client.js';
import { StoreServer } from './store-server.js';
import { KeyValueTable } from './store-table.js';
import { bytesOf, dtypeOf, isNumericArray, newArrayLike, type JsonValue, type NumericArray, type OpName, type ReduceOp, type WireDtype } from './types.js';

export { chunkLength, chunkStart } from './chunks.js';
export type { NumericArray, ReduceOp } from './types.js';

export interface ProcessGroupOptions {
  rank: number;
  worldSize: number;
  /** Rank 0 hosts the store here (it listens on exactly this address); the others connect to it. */
  mainAddress: string;
  mainPort: number;
  /** Shared secret of the run; null only for an explicit --insecure run. */
  token: string | null;
  /** Per operation; default 30 min. Infinity disables the timeout. */
  timeoutMs?: number;
  /** How long ranks wait for each other at connect; default 5 min (ranks start at different times). */
  connectTimeoutMs?: number;
  /** Ranks with the same hostId talk over Unix domain sockets, others over TCP. Default os.hostname(). */
  hostId?: string;
  /** Directory of the Unix sockets (default os.tmpdir()); each is removed once its peer connected. */
  socketDir?: string;
  /** Refused connections and other notices, one line each; default: stderr (the rank's log). */
  log?: (message: string) => void;
  /** Time a connecting peer has to authenticate; default 5 s. */
  authTimeoutMs?: number;
  /** Elements per pipelined segment (tests use small ones to exercise segmentation). */
  segmentElements?: number;
}

export interface AllReduceOptions<T extends NumericArray> {
  /** Write the result here instead of a new array (same type and length; may be the input itself). */
  out?: T;
}

const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;
const DEFAULT_CONNECT_TIMEOUT_MS = 5 * 60 * 1000;
const MAX_TIMER_MS = 2 ** 31 - 1;
const RECORD_DELAY_MS = 50;
const REDUCE_OPS: readonly ReduceOp[] = ['sum', 'mean', 'max', 'min'];

interface Plumbing {
  links: RingLinks;
  kernels: ReduceKernels;
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  /** The rendezvous store, for small values the strategies want to share (not for tensors). */
  readonly store: StoreClient;
  /** 'unix' or 'tcp' for the link from the predecessor and to the successor; null with one rank. */
  readonly transports: { fromPrev: 'unix' | 'tcp'; toNext: 'unix' | 'tcp' } | null;
  private readonly timeoutMs: number;
  private readonly failures: GroupFailures;
  private seq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private scratch: ArrayBuffer | null = null;

  private constructor(
    options: ProcessGroupOptions,
    store: StoreClient,
    private readonly server: StoreServer | null,
    private readonly plumbing: Plumbing | null,
  ) {
    this.rank = options.rank;
    this.worldSize = options.worldSize;
    this.store = store;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.transports = plumbing ? { fromPrev: plumbing.links.fromPrev.kind, toNext: plumbing.links.toNext.kind } : null;
    this.failures = new GroupFailures(this.rank, this.worldSize, store, plumbing?.links ?? null);
    this.setActive(false);
  }

  /** Joins the group: rank 0 hosts the store; everyone builds the ring. Resolves when this rank's links are up. */
  static async connect(options: ProcessGroupOptions): Promise<ProcessGroup> {
    validateOptions(options);
    if (options.worldSize === 1) return new ProcessGroup(options, new LocalStoreClient(new KeyValueTable()), null, null);
    // Strangers knocking must leave a trace in the rank's log even when the caller passes no logger.
    const log = options.log ?? ((message: string) => void process.stderr.write(`tfjs-fabric: ${message}\n`));
    const startedAt = Date.now();
    const deadline = startedAt + (options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS);
    let server: StoreServer | null = null;
    let store: StoreClient;
    let tcpHost = options.mainAddress;
    if (options.rank === 0) {
      server = await StoreServer.listen({ host: options.mainAddress, port: options.mainPort, token: options.token, log, authTimeoutMs: options.authTimeoutMs });
      store = new LocalStoreClient(server.table);
      if (tcpHost === '0.0.0.0' || tcpHost === '::') tcpHost = os.hostname();
    } else {
      const remote = await RemoteStoreClient.connect({
        host: options.mainAddress,
        port: options.mainPort,
        token: options.token,
        rank: options.rank,
        connectTimeoutMs: Math.max(1, deadline - Date.now()),
        authTimeoutMs: options.authTimeoutMs,
      });
      store = remote;
      tcpHost = remote.socket.localAddress ?? tcpHost;
    }
    try {
      const links = await buildRing(store, {
        rank: options.rank,
        worldSize: options.worldSize,
        hostId: options.hostId ?? os.hostname(),
        socketDir: options.socketDir ?? os.tmpdir(),
        tcpHost,
        token: options.token,
        authTimeoutMs: options.authTimeoutMs,
        log,
        deadline,
        startedAt,
      });
      return new ProcessGroup(options, store, server, { links, kernels: new ReduceKernels(options.segmentElements) });
    } catch (error) {
      await store.close().catch(() => {});
      await server?.close().catch(() => {});
      throw error;
    }
  }

  /** Element-wise reduction over all ranks; every rank gets the same result (a new array unless `out`). */
  allReduce<T extends NumericArray>(data: T, op: ReduceOp, options: AllReduceOptions<T> = {}): Promise<T> {
    return rejectOnThrow(() => {
      checkArray('allReduce', data);
      checkReduceOp('allReduce', data, op);
      const out = options.out ?? newArrayLike(data, data.length);
      if (out.constructor !== data.constructor || out.length !== data.length) {
        throw new TypeError(`allReduce: 'out' must be a ${data.constructor.name} of length ${data.length}, got a ${out.constructor.name} of length ${out.length}.`);
      }
      const descriptor = this.describe('allReduce', dtypeOf(data), op, data.length, -1);
      return this.enqueue(descriptor, (ctx) => {
        if (!ctx) {
          if (out !== data) out.set(data);
          return () => out as T;
        }
        ringReduce(ctx, data, op, { kind: 'allReduce', out });
        return () => out as T;
      });
    });
  }

  /**
   * Rank r gets elements [chunkStart(L, n, r), chunkStart(L, n, r + 1)) of the reduction of all inputs
   * (a new array unless `out`, of that chunk's length).
   */
  reduceScatter<T extends NumericArray>(data: T, op: ReduceOp, options: AllReduceOptions<T> = {}): Promise<T> {
    return rejectOnThrow(() => {
      checkArray('reduceScatter', data);
      checkReduceOp('reduceScatter', data, op);
      const ownLength = chunkLength(data.length, this.worldSize, this.rank);
      const own = options.out ?? newArrayLike(data, ownLength);
      if (own.constructor !== data.constructor || own.length !== ownLength) {
        throw new TypeError(`reduceScatter: 'out' must be a ${data.constructor.name} of length ${ownLength} (this rank's chunk), got a ${own.constructor.name} of length ${own.length}.`);
      }
      const descriptor = this.describe('reduceScatter', dtypeOf(data), op, data.length, -1);
      return this.enqueue(descriptor, (ctx) => {
        if (!ctx) {
          own.set(data);
          return () => own;
        }
        ringReduce(ctx, data, op, { kind: 'reduceScatter', partial: this.workspace(data), own });
        return () => own;
      });
    });
  }

  /** One array per rank, in rank order; ranks may contribute different lengths (same dtype). */
  allGather<T extends NumericArray>(data: T): Promise<T[]> {
    return rejectOnThrow(() => {
      checkArray('allGather', data);
      const descriptor = this.describe('allGather', dtypeOf(data), null, data.length, -1);
      return this.enqueue(descriptor, (ctx) => {
        if (!ctx) return () => [data.slice() as T];
        const results: NumericArray[] = new Array(this.worldSize);
        ringAllGather(ctx, data, results);
        return () => results as T[];
      });
    });
  }

  /** Rank src's value on every rank: a Float32Array, an Int32Array or any JSON value (others pass anything). */
  broadcast<T>(value: T, src: number): Promise<T> {
    return rejectOnThrow(() => {
      if (!Number.isInteger(src) || src < 0 || src >= this.worldSize) {
        throw new RangeError(`broadcast: src must be a rank in 0..${this.worldSize - 1}, got ${src}.`);
      }
      const payload = this.rank === src ? encodeBroadcastValue(value) : null;
      const descriptor = this.describe('broadcast', payload?.dtype ?? 'none', null, payload ? payload.bytes.length : -1, src);
      return this.enqueue(descriptor, (ctx) => {
        if (payload) {
          if (ctx) ringBroadcast(ctx, src, payload, () => {});
          return () => decodeBroadcastValue(payload.bytes.slice(), payload.dtype) as T;
        }
        let received: { array: NumericArray | Uint8Array; dtype: WireDtype } | null = null;
        ringBroadcast(ctx!, src, null, (array, dtype) => (received = { array, dtype }));
        return () => {
          const { array, dtype } = received!;
          return (dtype === 'json' ? decodeBroadcastValue(array as Uint8Array, dtype) : array) as T;
        };
      });
    });
  }

  /** Resolves once every rank has entered this barrier. The name only appears in error messages. */
  barrier(name?: string): Promise<void> {
    const descriptor = this.describe('barrier', 'none', null, 0, -1, name);
    return this.enqueue(descriptor, (ctx) => {
      if (ctx) ringBarrier(ctx);
      return () => undefined;
    });
  }

  /** Idempotent: fails queued operations, closes the links and the store (rank 0), removes socket files. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.failures.markClosed();
      this.setActive(true);
      const links = this.plumbing?.links;
      if (links) {
        // Nothing is in flight between operations: drop what the predecessor sends, let the successor see EOF.
        links.fromPrev.socket.destroy();
        links.toNext.socket.end();
        setTimeout(() => links.toNext.socket.destroy(), 1000).unref();
      }
      await this.store.close().catch(() => {});
      await this.server?.close();
    })();
    return this.closing;
  }

  /**
   * Scratch for reduceScatter's partial sums, reused across operations (fresh large arrays cost page faults).
   * Safe because operations run one at a time and settle only after their writes left.
   */
  private workspace(like: NumericArray): NumericArray {
    const bytes = like.length * 4;
    if (!this.scratch || this.scratch.byteLength < bytes) this.scratch = new ArrayBuffer(Math.max(bytes, 1024));
    return like instanceof Float32Array ? new Float32Array(this.scratch, 0, like.length) : new Int32Array(this.scratch, 0, like.length);
  }

  private describe(op: OpName, dtype: WireDtype, reduceOp: ReduceOp | null, length: number, src: number, name?: string): OpDescriptor & { name?: string } {
    return { seq: ++this.seq, op, dtype, reduceOp, length, src, rank: this.rank, name };
  }

  private enqueue<R>(descriptor: OpDescriptor, plan: (ctx: RingContext | null) => () => R): Promise<R> {
    const task = this.queue.then(() => this.execute(descriptor, plan));
    this.queue = task.catch(() => {});
    return task;
  }

  private async execute<R>(descriptor: OpDescriptor, plan: (ctx: RingContext | null) => () => R): Promise<R> {
    this.failures.throwIfUnusable(descriptor);
    if (!this.plumbing) return plan(null)();
    const { links, kernels } = this.plumbing;
    const run = new OpRun(links.fromPrev.receiver, links.toNext.socket, (error) => this.failures.writeFailed(error));
    this.setActive(true);
    this.failures.begin(descriptor, run);
    const timer = this.startTimer(descriptor, run);
    const record = this.recordEntry(descriptor);
    try {
      run.send(encodeOpHeader(descriptor));
      run.expect(new Uint8Array(OP_HEADER_BYTES), (bytes) => {
        const mismatch = findMismatch(descriptor, decodeOpHeader(bytes));
        if (mismatch) throw new CollectiveError('mismatch', `Collective mismatch: ${mismatch}. Every rank must call the same collectives in the same order with the same shapes.`, this.rank);
      });
      const finish = plan({ run, rank: this.rank, worldSize: this.worldSize, kernels });
      run.finishIssuing();
      await run.done;
      return finish();
    } finally {
      clearTimeout(record);
      if (timer) clearTimeout(timer);
      this.failures.end(run);
      this.setActive(false);
    }
  }

  /**
   * Records in the store that this rank entered the operation, so a timeout elsewhere can name the ranks that
   * never did. Only operations still running after a short delay write it: fast ones cost no store traffic,
   * and a stale (lower) record still tells correctly that a rank is behind.
   */
  private recordEntry(descriptor: OpDescriptor): NodeJS.Timeout {
    const delay = Math.min(RECORD_DELAY_MS, this.timeoutMs / 4);
    const timer = setTimeout(() => this.store.setNoWait(storeKeys.op(this.rank), { seq: descriptor.seq, op: descriptor.op }), delay);
    timer.unref();
    return timer;
  }

  private startTimer(descriptor: OpDescriptor, run: OpRun): NodeJS.Timeout | null {
    if (!Number.isFinite(this.timeoutMs)) return null;
    const timer = setTimeout(() => void this.failures.timedOut(descriptor, run, this.timeoutMs), Math.min(this.timeoutMs, MAX_TIMER_MS));
    timer.unref();
    return timer;
  }

  /** Sockets keep the process alive only while an operation runs, so a forgotten close() cannot hang it. */
  private setActive(active: boolean): void {
    if (!this.plumbing) return;
    const { links } = this.plumbing;
    for (const socket of [links.fromPrev.socket, links.toNext.socket]) {
      if (active) socket.ref();
      else socket.unref();
    }
    if (this.store instanceof RemoteStoreClient) this.store.setRef(active);
    this.server?.setRef(active);
  }
}

/** Argument errors become rejections, like every other failure of an operation. */
function rejectOnThrow<R>(start: () => Promise<R>): Promise<R> {
  try {
    return start();
  } catch (error) {
    return Promise.reject(error);
  }
}

function validateOptions(options: ProcessGroupOptions): void {
  const { rank, worldSize } = options;
  if (!Number.isInteger(worldSize) || worldSize < 1) throw new FabricUserError(`The world size must be a positive integer, got ${worldSize}.`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new FabricUserError(`The rank must be an integer in 0..${worldSize - 1} for a world size of ${worldSize}, got ${rank}.`);
  if (worldSize > 65535) throw new FabricUserError(`World sizes above 65535 are not supported, got ${worldSize}.`);
  if (!Number.isInteger(options.mainPort) || options.mainPort < 0 || options.mainPort > 65535) throw new FabricUserError(`The main port must be an integer in 0..65535, got ${options.mainPort}.`);
  if (worldSize > 1 && options.mainPort === 0) throw new FabricUserError('The main port must be given (not 0) when several ranks need to find rank 0.');
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0)) throw new FabricUserError(`The collective timeout must be positive, got ${options.timeoutMs} ms.`);
  validateToken(options.token);
  if (os.endianness() !== 'LE') throw new FabricUserError('The collectives send raw little-endian arrays; this machine is big-endian.');
}

function checkArray(op: string, data: unknown): void {
  if (!isNumericArray(data)) {
    const got = data === null ? 'null' : typeof data === 'object' ? (data as object).constructor?.name ?? 'an object' : typeof data;
    throw new TypeError(`${op} takes a Float32Array or an Int32Array, got ${got}.`);
  }
}

function checkReduceOp(op: string, data: NumericArray, reduceOp: ReduceOp): void {
  if (!REDUCE_OPS.includes(reduceOp)) throw new TypeError(`${op}: the reduce op must be one of ${REDUCE_OPS.join(', ')}, got '${String(reduceOp)}'.`);
  if (reduceOp === 'mean' && data instanceof Int32Array) {
    throw new TypeError(`${op}(mean) needs float32 values: the mean of int32 values is not an integer. Pass a Float32Array, or use 'sum' and divide.`);
  }
}

function encodeBroadcastValue(value: unknown): { bytes: Uint8Array; dtype: WireDtype } {
  if (isNumericArray(value)) return { bytes: bytesOf(value), dtype: dtypeOf(value) };
  if (ArrayBuffer.isView(value)) throw new TypeError(`broadcast takes a Float32Array, an Int32Array or a JSON value, got a ${value.constructor.name}.`);
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch (error) {
    throw new TypeError(`broadcast: the value cannot be turned into JSON: ${(error as Error).message}`);
  }
  if (text === undefined) throw new TypeError(`broadcast: a ${typeof value} value cannot be sent as JSON.`);
  return { bytes: Buffer.from(text, 'utf8'), dtype: 'json' };
}

function decodeBroadcastValue(bytes: Uint8Array, dtype: WireDtype): NumericArray | JsonValue {
  if (dtype === 'float32') return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  if (dtype === 'int32') return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  return JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
}
