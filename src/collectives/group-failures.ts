/**
 * What happens when a collective goes wrong, and what each rank is told. A rank that detects a failure
 * (timeout, mismatch, lost neighbour) records it in the store so every other rank fails with the same
 * reason, and destroys its links so that even ranks the store cannot reach stop waiting. Timeouts ask the
 * store which ranks never entered the operation: each rank records the sequence number it entered.
 */
import { CollectiveError, formatDuration, formatRanks, isCollectiveError } from './errors.js';
import { describeOp, type OpDescriptor } from './op-header.js';
import type { OpRun } from './op-run.js';
import { storeKeys, type RingLinks } from './rendezvous.js';
import type { StoreClient } from './store-client.js';
import { withTimeout } from './timeouts.js';
import type { JsonValue } from './types.js';

/** How long a rank whose neighbour vanished mid-operation waits for a better explanation from the store. */
const DISCONNECT_GRACE_MS = 300;
const DIAGNOSIS_TIMEOUT_MS = 2000;

interface AbortNotice {
  rank: number;
  message: string;
}

export class GroupFailures {
  /** Fatal: the running operation fails with it, and so does every later one. */
  private failure: CollectiveError | null = null;
  /** A neighbour left while the running operation no longer needed it: it may finish, later ones may not. */
  private pendingFailure: CollectiveError | null = null;
  /** Whether `failure` has reached a caller (a disconnect nobody saw yet may be replaced by a better reason). */
  private reported = false;
  private closed = false;
  private storeLost = false;
  private current: { descriptor: OpDescriptor; run: OpRun } | null = null;
  private last: OpDescriptor | null = null;

  constructor(
    private readonly rank: number,
    private readonly worldSize: number,
    private readonly store: StoreClient,
    private readonly links: RingLinks | null,
  ) {
    if (!links) return;
    links.fromPrev.receiver.onEnd = () => this.linkLost('prev');
    links.fromPrev.receiver.onError = (error) => this.protocolFailure(this.prev, error);
    links.toNext.receiver.onEnd = () => this.linkLost('next');
    links.toNext.receiver.onError = (error) => this.protocolFailure(this.next, error);
    store.onLost = (graceful) => {
      if (!graceful) this.storeLost = true;
    };
    store.wait([storeKeys.abort], null).then(
      ([notice]) => this.abortNotice(notice),
      () => {},
    );
  }

  private get prev(): number {
    return (this.rank - 1 + this.worldSize) % this.worldSize;
  }

  private get next(): number {
    return (this.rank + 1) % this.worldSize;
  }

  begin(descriptor: OpDescriptor, run: OpRun): void {
    this.current = { descriptor, run };
  }

  end(run: OpRun): void {
    if (this.current?.run !== run) return;
    this.last = this.current.descriptor;
    this.current = null;
    if (this.pendingFailure && !this.failure) this.breakGroup(this.pendingFailure, false);
  }

  markClosed(): void {
    this.closed = true;
    this.current?.run.fail(new CollectiveError('closed', `${describeOp(this.current.descriptor)} was cut short on rank ${this.rank}: the process group was closed.`, this.rank));
  }

  /** Throws for an operation that cannot start: after close(), or after a failure. */
  throwIfUnusable(descriptor: OpDescriptor): void {
    if (this.closed) throw new CollectiveError('closed', `${describeOp(descriptor)} was called on rank ${this.rank} after the process group was closed.`, this.rank);
    const failure = this.failure ?? this.pendingFailure;
    if (!failure) return;
    this.reported = true;
    throw new CollectiveError(failure.kind, `${describeOp(descriptor)} cannot run on rank ${this.rank} because the process group failed earlier: ${failure.message}`, this.rank);
  }

  /** A write to the successor failed: it is gone (or going); explain after a short grace. */
  writeFailed(error: Error): void {
    this.linkLost('write', error.message);
  }

  /** The operation's timer fired: find out who never arrived, then fail everywhere with that. */
  async timedOut(descriptor: OpDescriptor, run: OpRun, timeoutMs: number): Promise<void> {
    if (this.current?.run !== run || this.failure) return;
    run.freeze();
    let arrivals: string;
    try {
      const records = await withTimeout(Promise.all(Array.from({ length: this.worldSize }, (_, rank) => this.store.get(storeKeys.op(rank)))), DIAGNOSIS_TIMEOUT_MS, () => {});
      const missing = records.flatMap((record, rank) => (rank !== this.rank && !(isRecord(record) && record.seq >= descriptor.seq) ? [rank] : []));
      arrivals = missing.length > 0 ? `ranks that did not arrive: ${formatRanks(missing)}` : 'every rank arrived, but the data did not get through in time (a stalled or very slow link?)';
    } catch {
      // Rank 0's store runs on rank 0's event loop: when it cannot answer, rank 0 is stopped, stuck or gone.
      arrivals = `ranks that did not arrive: 0 (its store did not answer either${this.worldSize > 2 ? '; whether the other ranks arrived is unknown' : ''})`;
    }
    this.breakGroup(new CollectiveError('timeout', `${describeOp(descriptor)} timed out after ${formatDuration(timeoutMs)} on rank ${this.rank}; ${arrivals}.`, this.rank), true);
  }

  private protocolFailure(peer: number, error: unknown): void {
    if (isCollectiveError(error)) return this.breakGroup(error, true);
    const what = this.current ? describeOp(this.current.descriptor) : 'an idle moment';
    const detail = error instanceof Error ? error.message : String(error);
    this.breakGroup(new CollectiveError('protocol', `Rank ${this.rank} received bytes from rank ${peer} that break the collectives protocol during ${what}: ${detail}.`, this.rank), true);
  }

  /**
   * A ring link closed. Mid-operation, when the running operation still needs that link, it fails after a
   * short grace (the rank that failed first usually explains why through the store in the meantime). When it
   * no longer needs the link (a neighbour that finished and closed), it may complete; later operations fail.
   */
  private linkLost(direction: 'prev' | 'next' | 'write', detail?: string): void {
    if (this.closed || this.failure) return;
    const peer = direction === 'prev' ? this.prev : this.next;
    const storeNote = this.storeLost && peer !== 0 ? " Rank 0's store is unreachable too, so rank 0 probably failed first." : '';
    const current = this.current;
    if (current) {
      const needed = direction === 'write' || (direction === 'prev' ? current.run.hasPendingReceives : current.run.hasPendingWrites);
      if (needed) {
        const seen = detail ? `seen by rank ${this.rank} while sending: ${detail}` : `seen by rank ${this.rank}`;
        setTimeout(() => {
          if (!this.failure && !this.closed) this.breakGroup(new CollectiveError('disconnect', `Rank ${peer} disconnected during ${describeOp(current.descriptor)} (${seen}).${storeNote}`, this.rank), true);
        }, DISCONNECT_GRACE_MS).unref();
        return;
      }
      this.pendingFailure ??= new CollectiveError('disconnect', `Rank ${peer} closed its connection to rank ${this.rank} during ${describeOp(current.descriptor)}.${storeNote}`, this.rank);
      return;
    }
    const after = this.last ? ` after ${describeOp(this.last)}` : '';
    this.breakGroup(new CollectiveError('disconnect', `Rank ${peer} closed its connection to rank ${this.rank}${after}.${storeNote}`, this.rank), false);
  }

  private abortNotice(notice: JsonValue): void {
    if (this.closed || !isAbortNotice(notice) || notice.rank === this.rank) return;
    if (this.failure && (this.failure.kind !== 'disconnect' || this.reported)) return;
    const message = this.current
      ? `${describeOp(this.current.descriptor)} failed on rank ${this.rank} because rank ${notice.rank} reported: ${notice.message}`
      : `rank ${notice.rank} reported: ${notice.message}`;
    this.failure = null;
    this.breakGroup(new CollectiveError('aborted', message, this.rank), false);
  }

  private breakGroup(error: CollectiveError, publish: boolean): void {
    if (this.closed) return;
    if (!this.failure) {
      this.failure = error;
      if (publish) {
        const notice: AbortNotice = { rank: this.rank, message: error.message };
        this.store.set(storeKeys.abort, notice as unknown as JsonValue).catch(() => {});
      }
    }
    if (this.current) {
      this.reported = true;
      this.current.run.fail(this.failure);
    }
    if (this.links) {
      // No byte may land in a caller's array after a failure, and neighbours must stop waiting on us.
      this.links.fromPrev.receiver.clear();
      this.links.fromPrev.socket.destroy();
      this.links.toNext.socket.destroy();
    }
  }
}

function isRecord(value: JsonValue | undefined): value is { seq: number; op: string } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.seq === 'number';
}

function isAbortNotice(value: JsonValue): value is AbortNotice & { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof value.rank === 'number' && typeof value.message === 'string';
}
