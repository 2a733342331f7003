/**
 * One collective operation on the wire: the receives it posted, the writes it issued, and the promise that
 * settles when every receive has landed and every write has been handed to the kernel. Waiting for the
 * writes matters: callers may reuse or modify the arrays we sent from as soon as the promise resolves.
 */
import type * as net from 'node:net';
import type { ByteReceiver } from './byte-receiver.js';

export class OpRun {
  readonly done: Promise<void>;
  private outstanding = 0;
  private pendingWrites = 0;
  private issuedAll = false;
  private settled = false;
  private frozen = false;
  private corked = false;
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

  /** Writes `bytes` to the successor without copying; writes issued in one tick go out as one writev. */
  send(bytes: Uint8Array): void {
    if (this.settled || bytes.length === 0) return;
    this.pendingWrites++;
    if (!this.corked) {
      this.corked = true;
      this.toNext.cork();
      process.nextTick(() => {
        this.corked = false;
        this.toNext.uncork();
      });
    }
    this.toNext.write(bytes, (error) => {
      this.pendingWrites--;
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
