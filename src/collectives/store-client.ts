/**
 * Clients of the rendezvous store: RemoteStoreClient for ranks > 0 (TCP to rank 0, authenticated, retried
 * while rank 0 is still starting) and LocalStoreClient for rank 0 itself (no socket to itself).
 */
import * as net from 'node:net';
import { FabricUserError } from '../errors.js';
import { AUTH_TIMEOUT_MS, offerHandshake } from './auth.js';
import { ByteReceiver } from './byte-receiver.js';
import { AuthError } from './errors.js';
import { withTimeout } from './timeouts.js';
import { encodeFrame, readFrame, type StoreReply, type StoreRequest, type StoreResponse } from './store-protocol.js';
import type { KeyValueTable } from './store-table.js';
import type { JsonValue } from './types.js';

export class StoreTimeoutError extends Error {
  constructor(readonly keys: string[], timeoutMs: number) {
    super(`the store keys ${keys.join(', ')} did not appear within ${timeoutMs} ms`);
    this.name = 'StoreTimeoutError';
  }
}

export class StoreClosedError extends Error {
  constructor(readonly graceful: boolean) {
    super(graceful ? 'the store was closed' : 'lost the connection to the store');
    this.name = 'StoreClosedError';
  }
}

export interface StoreClient {
  set(key: string, value: JsonValue): Promise<void>;
  /** Fire and forget: no reply, no waiting (progress records on the hot path). */
  setNoWait(key: string, value: JsonValue): void;
  get(key: string): Promise<JsonValue | undefined>;
  /** Values of all keys once they all exist; null timeout waits forever; rejects with StoreTimeoutError. */
  wait(keys: string[], timeoutMs: number | null): Promise<JsonValue[]>;
  add(key: string, delta: number): Promise<number>;
  delete(key: string): Promise<void>;
  /** Called once when the store goes away: graceful when rank 0 closed it on purpose. */
  onLost: ((graceful: boolean) => void) | null;
  close(): Promise<void>;
}

export class LocalStoreClient implements StoreClient {
  onLost: ((graceful: boolean) => void) | null = null;
  private readonly cancels = new Set<() => void>();
  private closed = false;

  constructor(private readonly table: KeyValueTable) {}

  async set(key: string, value: JsonValue): Promise<void> {
    this.table.set(key, value);
  }

  setNoWait(key: string, value: JsonValue): void {
    this.table.set(key, value);
  }

  async get(key: string): Promise<JsonValue | undefined> {
    return this.table.get(key);
  }

  wait(keys: string[], timeoutMs: number | null): Promise<JsonValue[]> {
    if (this.closed) return Promise.reject(new StoreClosedError(true));
    return new Promise((resolve, reject) => {
      let settled = false;
      // Declared before waitFor, which calls back at once when every key is already there.
      let cancel = () => {};
      const rejectOnClose = () => {
        cancel();
        reject(new StoreClosedError(true));
      };
      cancel = this.table.waitFor(keys, timeoutMs, (values) => {
        settled = true;
        this.cancels.delete(rejectOnClose);
        if (values) resolve(values);
        else reject(new StoreTimeoutError(keys.filter((key) => this.table.get(key) === undefined), timeoutMs ?? 0));
      });
      if (!settled) this.cancels.add(rejectOnClose);
    });
  }

  async add(key: string, delta: number): Promise<number> {
    return this.table.add(key, delta);
  }

  async delete(key: string): Promise<void> {
    this.table.delete(key);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const cancel of [...this.cancels]) cancel();
    this.cancels.clear();
  }
}

interface Pending {
  resolve: (response: StoreReply) => void;
  reject: (error: Error) => void;
}

export interface RemoteStoreOptions {
  host: string;
  port: number;
  token: string | null;
  rank: number;
  /** Keep retrying refused connections this long (rank 0 may start later). */
  connectTimeoutMs: number;
  authTimeoutMs?: number;
}

const RETRY_CODES = new Set(['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export class RemoteStoreClient implements StoreClient {
  onLost: ((graceful: boolean) => void) | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private lost: StoreClosedError | null = null;

  private constructor(
    readonly socket: net.Socket,
    private readonly receiver: ByteReceiver,
  ) {
    void this.readResponses();
  }

  /** Connects (retrying while nobody listens yet) and authenticates; wrong tokens fail at once. */
  static async connect(options: RemoteStoreOptions): Promise<RemoteStoreClient> {
    const deadline = Date.now() + options.connectTimeoutMs;
    const where = `${options.host}:${options.port}`;
    let delay = 50;
    for (;;) {
      const attempt = await openSocket(options.host, options.port, Math.max(1, deadline - Date.now()));
      if (attempt instanceof net.Socket) {
        const receiver = new ByteReceiver().attach(attempt);
        try {
          await withTimeout(
            offerHandshake({ read: (n) => receiver.read(n), write: (bytes) => void attempt.write(bytes) }, options.token, { role: 'store', rank: options.rank }),
            options.authTimeoutMs ?? AUTH_TIMEOUT_MS,
            () => attempt.destroy(),
          );
          return new RemoteStoreClient(attempt, receiver);
        } catch (error) {
          attempt.destroy();
          const reason = error instanceof AuthError ? error.reason : 'the handshake timed out';
          throw new FabricUserError(`Rank ${options.rank} could not join the rendezvous store at ${where}: ${reason}. All ranks of a run must use the same token (FABRIC_TOKEN or --token-file), and the address must be rank 0's store.`);
        }
      }
      if (!RETRY_CODES.has(attempt.code ?? '') || Date.now() + delay >= deadline) {
        const why = attempt.code === 'ECONNREFUSED' ? 'nobody is listening there' : attempt.message;
        throw new FabricUserError(`Rank ${options.rank} could not reach the rendezvous store at ${where} within ${Math.round(options.connectTimeoutMs / 1000)} s: ${why}. Check that rank 0 is running and that --main-address / --main-port (MASTER_ADDR / MASTER_PORT) point at it.`);
      }
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(1000, delay * 2);
    }
  }

  async set(key: string, value: JsonValue): Promise<void> {
    await this.request({ op: 'set', id: 0, key, value });
  }

  setNoWait(key: string, value: JsonValue): void {
    if (!this.lost) this.socket.write(encodeFrame({ op: 'set', key, value }));
  }

  async get(key: string): Promise<JsonValue | undefined> {
    const response = await this.request({ op: 'get', id: 0, key });
    return response.found ? response.value : undefined;
  }

  async wait(keys: string[], timeoutMs: number | null): Promise<JsonValue[]> {
    const response = await this.request({ op: 'wait', id: 0, keys, timeoutMs });
    if (response.timedOut) {
      const present = await Promise.all(keys.map((key) => this.get(key)));
      throw new StoreTimeoutError(keys.filter((_, index) => present[index] === undefined), timeoutMs ?? 0);
    }
    return response.values ?? [];
  }

  async add(key: string, delta: number): Promise<number> {
    return (await this.request({ op: 'add', id: 0, key, delta })).value as number;
  }

  async delete(key: string): Promise<void> {
    await this.request({ op: 'delete', id: 0, key });
  }

  async close(): Promise<void> {
    this.markLost(new StoreClosedError(true), false);
    if (this.socket.destroyed) return;
    await new Promise<void>((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 500).unref();
    });
  }

  /** Keeps (or stops keeping) the event loop alive for this connection. */
  setRef(on: boolean): void {
    if (on) this.socket.ref();
    else this.socket.unref();
  }

  private request(message: StoreRequest & { id: number }): Promise<StoreReply> {
    if (this.lost) return Promise.reject(this.lost);
    const id = this.nextId++;
    return new Promise<StoreReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.socket.write(encodeFrame({ ...message, id }));
    }).then((reply) => {
      if (reply.error) throw new Error(`the store refused '${message.op}': ${reply.error}`);
      return reply;
    });
  }

  private async readResponses(): Promise<void> {
    let graceful = false;
    try {
      for (;;) {
        const message = (await readFrame(this.receiver)) as StoreResponse;
        if ('op' in message && message.op === 'shutdown') {
          graceful = true;
          continue;
        }
        const reply = message as StoreReply;
        const pending = this.pending.get(reply.id);
        this.pending.delete(reply.id);
        pending?.resolve(reply);
      }
    } catch {
      this.markLost(new StoreClosedError(graceful), true);
      this.socket.destroy();
    }
  }

  private markLost(error: StoreClosedError, notify: boolean): void {
    if (this.lost) return;
    this.lost = error;
    for (const pending of this.pending.values()) pending.reject(error);
    this.pending.clear();
    if (notify) this.onLost?.(error.graceful);
  }
}

function openSocket(host: string, port: number, timeoutMs: number): Promise<net.Socket | NodeJS.ErrnoException> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, noDelay: true });
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' }));
    }, timeoutMs);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      resolve(error);
    });
  });
}
