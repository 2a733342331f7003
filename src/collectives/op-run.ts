/**
 * One collective operation on the wire: the receives it posted, the writes it issued, and the promise that
 * settles when every receive has landed and every write has been handed to the kernel. Waiting for the
 * writes matters: callers may reuse or modify the arrays we sent from as soon as the promise resolves.
 */
import type * as net from 'node:net';
import type { ByteReceiver } from './byte-receiver.js';

/** Writes up to this size are batched per tick into one syscall. */
const SMALL_WRITE_BYTES = 64 * 1024;

export class OpRun {
  readonly done: Promise<void>;
  private outstanding = 0;
  private pendingWrites = 0;
  private issuedAll = false;
  private settled = false;
  private frozen = false;
  private small: Uint8Array[] = [];
  private smallBytes = 0;
  private resolveDone!: () => void;
  private rejectDone!: (error: Error) => void;

  constructor(
    private readonly receiver: ByteReceiver,
    private readonly toNext: net.Socket,
    /** Told about a failed write; deciding what the operation reports is the caller's business. */
    private readonly onWriteError: (error: Error) => void,
  ) {
    this.done = new Promise<void>((resolve, reject) => {
      this.resolveDone = resolve;
      this.rejectDone = reject;
    });
    this.done.catch(() => {});
  }

  get failed(): boolean {
    return this.settled && this.frozen;
  }

  get hasPendingReceives(): boolean {
    return this.outstanding > 0;
  }

  get hasPendingWrites(): boolean {
    return this.pendingWrites > 0;
  }

  /** Fills `target` with the next bytes from the predecessor, then calls onComplete (which may send or expect more). */
  expect(target: Uint8Array, onComplete: (bytes: Uint8Array) => void): void {
    if (this.settled) return;
    this.outstanding++;
    this.receiver.expect(target, () => {
      if (this.settled) return;
      onComplete(target);
      this.outstanding--;
      this.check();
    });
  }

  /**
   * Writes `bytes` to the successor. Large buffers go out as they are (no copy); small ones written in the
   * same tick are joined into one write, since on virtual machines each syscall costs tens of microseconds.
   */
  send(bytes: Uint8Array): void {
    if (this.settled || bytes.length === 0) return;
    this.pendingWrites++;
    if (bytes.length > SMALL_WRITE_BYTES) {
      this.flushSmall();
      this.write(bytes, 1);
      return;
    }
    this.small.push(bytes);
    this.smallBytes += bytes.length;
    if (this.smallBytes > SMALL_WRITE_BYTES) this.flushSmall();
    else if (this.small.length === 1) process.nextTick(() => this.flushSmall());
  }

  private flushSmall(): void {
    if (this.small.length === 0) return;
    const parts = this.small;
    this.small = [];
    this.smallBytes = 0;
    this.write(parts.length === 1 ? parts[0] : Buffer.concat(parts), parts.length);
  }

  private write(bytes: Uint8Array, count: number): void {
    this.toNext.write(bytes, (error) => {
      this.pendingWrites -= count;
      if (error) this.onWriteError(error);
      else this.check();
    });
  }

  /** Called once the plan has posted everything it posts up front; later posts happen inside callbacks. */
  finishIssuing(): void {
    this.issuedAll = true;
    this.check();
  }

  /** Stops the run from completing (a timeout is being diagnosed); fail() settles it later. */
  freeze(): void {
    this.frozen = true;
  }

  fail(error: Error): void {
    if (this.settled) return;
    this.settled = true;
    this.frozen = true;
    this.rejectDone(error);
  }

  private check(): void {
    if (this.settled || this.frozen || !this.issuedAll || this.outstanding > 0 || this.pendingWrites > 0) return;
    this.settled = true;
    this.resolveDone();
  }
}
