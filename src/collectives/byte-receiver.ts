/**
 * Reads a socket's byte stream into buffers posted in advance, in order ("expectations").
 * With Node's `onread` option (client sockets) large payloads are read by the kernel straight into their
 * destination; otherwise bytes arrive in a reused landing buffer (or via 'data' events) and are copied once.
 * When nothing is expected the socket is paused, so a fast peer is held back by TCP flow control
 * instead of filling our memory.
 */
import type * as net from 'node:net';

interface Expectation {
  target: Uint8Array;
  filled: number;
  onComplete: () => void;
  onAbort?: (error: Error) => void;
}

/** Reads shorter than this go through the landing buffer, so headers and small payloads share one syscall. */
const DIRECT_READ_MIN_BYTES = 16 * 1024;
const LANDING_BYTES = 64 * 1024;

export class ByteReceiver {
  /** Called once when the stream ends or fails; `pending` tells whether bytes were still expected. */
  onEnd: (error: Error | null, pending: boolean) => void = () => {};
  /** Called when an expectation's onComplete throws; the receiver stops reading after that. */
  onError: (error: unknown) => void = () => {};

  private socket: net.Socket | null = null;
  private readonly queue: Expectation[] = [];
  private head = 0;
  private readonly landing = new Uint8Array(LANDING_BYTES);
  private stash: Uint8Array | null = null;
  private paused = false;
  private draining = false;
  private ended = false;
  private failed = false;
  private onreadMode = false;
  private sendOnly = false;

  /** The `onread` option for `net.connect`; call `attach` with the socket it returns. */
  onreadOption(): net.OnReadOpts {
    this.onreadMode = true;
    return { buffer: () => this.nextBuffer(), callback: (bytes: number, buffer: Uint8Array) => this.onRead(bytes, buffer) };
  }

  /** Binds the socket: for an onread socket after `onreadOption`, otherwise through 'data' events. */
  attach(socket: net.Socket): this {
    this.socket = socket;
    if (!this.onreadMode) {
      socket.on('data', (chunk: Buffer) => {
        if (this.sendOnly) return this.fail(new Error(`received ${chunk.length} bytes on a connection that only sends`));
        this.consumeGuarded(chunk, chunk.length, false);
        if (!this.current() && !this.failed) this.pause();
      });
    }
    socket.on('end', () => this.finish(null));
    socket.on('error', (error) => this.finish(error));
    socket.on('close', () => this.finish(null));
    if (!this.current()) this.pause();
    return this;
  }

  /** Queues `target` to be filled by the next target.length bytes; onComplete runs synchronously when full. */
  expect(target: Uint8Array, onComplete: () => void, onAbort?: (error: Error) => void): void {
    if (target.length === 0) throw new RangeError('ByteReceiver.expect: empty targets are not allowed.');
    const expectation: Expectation = { target, filled: 0, onComplete, onAbort };
    if (this.ended || this.failed) {
      onAbort?.(new Error('the connection is closed'));
      return;
    }
    this.queue.push(expectation);
    if (this.paused && !this.draining) this.resume();
  }

  /**
   * From now on no bytes are expected: any that arrive are a protocol error, and the stream keeps flowing
   * so that the peer closing is noticed at once. For 'data'-mode sockets that only send after a handshake.
   */
  expectNothing(): void {
    if (this.onreadMode) throw new Error('expectNothing is for data-mode sockets');
    this.sendOnly = true;
    if (this.stash && this.stash.length > 0) this.fail(new Error(`received ${this.stash.length} bytes on a connection that only sends`));
    this.paused = false;
    this.socket?.resume();
  }

  /** The next `length` bytes, as a new array. */
  read(length: number): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      const target = new Uint8Array(length);
      this.expect(target, () => resolve(target), reject);
    });
  }

  get pendingExpectations(): number {
    return this.queue.length - this.head;
  }

  /** Forgets every pending expectation (after a failed operation; the socket is destroyed by then). */
  clear(): void {
    this.queue.length = 0;
    this.head = 0;
    this.stash = null;
  }

  private current(): Expectation | undefined {
    return this.queue[this.head];
  }

  private nextBuffer(): Uint8Array {
    const expectation = this.current();
    if (!this.paused && expectation && expectation.target.length - expectation.filled >= DIRECT_READ_MIN_BYTES) {
      return expectation.target.subarray(expectation.filled);
    }
    return this.landing;
  }

  private onRead(bytes: number, buffer: Uint8Array): boolean {
    if (this.failed) return false;
    if (buffer === this.landing) {
      this.consumeGuarded(buffer, bytes, true);
    } else {
      // The kernel wrote into the current expectation's target directly.
      const expectation = this.current();
      if (!expectation) {
        this.fail(new Error('received bytes into a buffer nobody expects'));
        return false;
      }
      expectation.filled += bytes;
      if (expectation.filled === expectation.target.length) this.completeGuarded();
    }
    if (!this.current() || this.failed) {
      this.paused = true;
      return false;
    }
    return true;
  }

  private consumeGuarded(bytes: Uint8Array, length: number, copyLeftover: boolean): void {
    try {
      this.consume(bytes, length, copyLeftover);
    } catch (error) {
      this.fail(error);
    }
  }

  private completeGuarded(): void {
    try {
      this.complete();
    } catch (error) {
      this.fail(error);
    }
  }

  /** Copies `length` bytes into the expectations in order; what nobody expects yet is kept in the stash. */
  private consume(bytes: Uint8Array, length: number, copyLeftover: boolean): void {
    let offset = 0;
    while (offset < length && !this.failed) {
      const expectation = this.current();
      if (!expectation) {
        const leftover = bytes.subarray(offset, length);
        const copy = copyLeftover ? leftover.slice() : leftover;
        this.stash = this.stash ? concat(this.stash, copy) : copy;
        return;
      }
      const take = Math.min(length - offset, expectation.target.length - expectation.filled);
      expectation.target.set(bytes.subarray(offset, offset + take), expectation.filled);
      expectation.filled += take;
      offset += take;
      if (expectation.filled === expectation.target.length) this.complete();
    }
  }

  private complete(): void {
    const expectation = this.queue[this.head];
    this.queue[this.head] = undefined as unknown as Expectation;
    this.head++;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    } else if (this.head > 1024) {
      this.queue.splice(0, this.head);
      this.head = 0;
    }
    expectation.onComplete();
  }

  private pause(): void {
    this.paused = true;
    if (!this.onreadMode) this.socket?.pause();
  }

  private resume(): void {
    this.draining = true;
    try {
      while (this.stash && this.current() && !this.failed) {
        const stash = this.stash;
        this.stash = null;
        this.consume(stash, stash.length, false);
      }
    } catch (error) {
      this.fail(error);
    } finally {
      this.draining = false;
    }
    if (this.current() && !this.failed && this.socket && !this.ended) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = true;
    this.onError(error);
  }

  private finish(error: Error | null): void {
    if (this.ended) return;
    this.ended = true;
    const pending = this.current() !== undefined;
    const abortError = error ?? new Error('the connection closed');
    for (let i = this.head; i < this.queue.length; i++) this.queue[i].onAbort?.(abortError);
    this.onEnd(error, pending);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
