/**
 * The rendezvous store that rank 0 hosts on mainAddress:mainPort (the idea of torch's TCPStore, with
 * authentication). Every connection must pass the HMAC handshake within the auth timeout; one that fails,
 * sends garbage or stays silent is closed and logged once, and never disturbs the others.
 */
import * as net from 'node:net';
import { FabricUserError } from '../errors.js';
import { acceptHandshake, AUTH_TIMEOUT_MS, type ByteChannel } from './auth.js';
import { ByteReceiver } from './byte-receiver.js';
import { AuthError } from './errors.js';
import { describePeer, RefusalLog } from './refusal-log.js';
import { encodeFrame, MAX_STORE_FRAME_BYTES, parseRequest, readFrame, type StoreRequest, type StoreResponse } from './store-protocol.js';
import { KeyValueTable } from './store-table.js';

export interface StoreServerOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  token: string | null;
  log?: (message: string) => void;
  authTimeoutMs?: number;
  maxFrameBytes?: number;
}

export class StoreServer {
  readonly table = new KeyValueTable();
  readonly refusals: RefusalLog;
  private readonly clients = new Set<net.Socket>();
  private readonly cancels = new Map<net.Socket, Set<() => void>>();
  private closed = false;

  private constructor(
    private readonly server: net.Server,
    private readonly options: StoreServerOptions,
    private readonly log: (message: string) => void,
  ) {
    this.refusals = new RefusalLog(log, `store on ${options.host}:${this.port}`);
    server.on('connection', (socket) => void this.serve(socket));
  }

  static listen(options: StoreServerOptions): Promise<StoreServer> {
    const log = options.log ?? (() => {});
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true });
      server.once('error', (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') {
          reject(new FabricUserError(`Cannot host the rendezvous store on ${options.host}:${options.port}: the port is already in use. Pick another main port (--main-port / MASTER_PORT) or stop the process that holds it.`));
        } else if (error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND') {
          reject(new FabricUserError(`Cannot host the rendezvous store on ${options.host}:${options.port}: this machine has no such address (${error.code}). Check --main-address / MASTER_ADDR.`));
        } else {
          reject(error);
        }
      });
      server.listen({ host: options.host, port: options.port }, () => {
        server.removeAllListeners('error');
        server.on('error', (error) => log(`store: server error: ${error.message}`));
        resolve(new StoreServer(server, options, log));
      });
    });
  }

  get port(): number {
    return (this.server.address() as net.AddressInfo).port;
  }

  get connectedClients(): number {
    return this.clients.size;
  }

  /** Keeps (or stops keeping) the event loop alive for the listener and its connections. */
  setRef(on: boolean): void {
    for (const handle of [this.server, ...this.clients]) {
      if (on) handle.ref();
      else handle.unref();
    }
  }

  /** Tells connected ranks that the store closes on purpose, then closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.refusals.summarize();
    this.table.dropWaiters();
    const closing = new Promise<void>((resolve) => this.server.close(() => resolve()));
    const shutdown = encodeFrame({ op: 'shutdown' });
    for (const socket of this.clients) socket.end(shutdown);
    for (const socket of this.clients) setTimeout(() => socket.destroy(), 1000).unref();
    await closing;
  }

  private async serve(socket: net.Socket): Promise<void> {
    const peer = describePeer(socket);
    socket.on('error', () => {});
    if (this.closed) return void socket.destroy();
    const receiver = new ByteReceiver().attach(socket);
    const channel: ByteChannel = { read: (length) => receiver.read(length), write: (bytes) => void socket.write(bytes) };
    let timedOut = false;
    const authTimeoutMs = this.options.authTimeoutMs ?? AUTH_TIMEOUT_MS;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, authTimeoutMs);
    try {
      await acceptHandshake(channel, this.options.token, (identity) => (identity.role === 'store' ? null : `it is a ${identity.role} link, not a store client`));
    } catch (error) {
      const reason = timedOut ? `it did not authenticate within ${authTimeoutMs} ms` : error instanceof AuthError ? error.reason : 'it closed the connection before authenticating';
      this.refusals.refuse(peer, reason);
      socket.destroy();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (this.closed) return void socket.destroy();
    this.clients.add(socket);
    this.cancels.set(socket, new Set());
    socket.on('close', () => this.forget(socket));
    try {
      for (;;) {
        const request = parseRequest(await readFrame(receiver, this.options.maxFrameBytes ?? MAX_STORE_FRAME_BYTES));
        if (!request) throw new Error('a malformed store request');
        this.handle(socket, request);
      }
    } catch (error) {
      if (!socket.destroyed && !this.closed) {
        this.log(`store: closing the connection from ${peer}: it sent ${error instanceof Error ? error.message : String(error)}.`);
      }
      socket.destroy();
    }
  }

  private forget(socket: net.Socket): void {
    this.clients.delete(socket);
    for (const cancel of this.cancels.get(socket) ?? []) cancel();
    this.cancels.delete(socket);
  }

  private reply(socket: net.Socket, response: StoreResponse): void {
    if (!socket.destroyed) socket.write(encodeFrame(response));
  }

  private handle(socket: net.Socket, request: StoreRequest): void {
    const table = this.table;
    try {
      switch (request.op) {
        case 'set':
          table.set(request.key, request.value);
          if (request.id !== undefined) this.reply(socket, { id: request.id });
          return;
        case 'delete':
          table.delete(request.key);
          if (request.id !== undefined) this.reply(socket, { id: request.id });
          return;
        case 'get': {
          const value = table.get(request.key);
          this.reply(socket, value === undefined ? { id: request.id, found: false } : { id: request.id, found: true, value });
          return;
        }
        case 'add':
          this.reply(socket, { id: request.id, value: table.add(request.key, request.delta) });
          return;
        case 'wait': {
          const cancels = this.cancels.get(socket);
          let settled = false;
          let cancel: (() => void) | null = null;
          cancel = table.waitFor(request.keys, request.timeoutMs, (values) => {
            settled = true;
            if (cancel) cancels?.delete(cancel);
            this.reply(socket, values ? { id: request.id, values } : { id: request.id, timedOut: true });
          });
          if (!settled) cancels?.add(cancel);
          return;
        }
      }
    } catch (error) {
      if (request.id !== undefined) this.reply(socket, { id: request.id, error: error instanceof Error ? error.message : String(error) });
    }
  }
}
