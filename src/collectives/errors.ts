/** Errors of the collectives layer: what failed, on which rank, during which operation. */

/**
 * - timeout: an operation did not finish in time (the message names the ranks that did not arrive)
 * - mismatch: ranks called different operations (or shapes) at the same sequence number
 * - disconnect: a neighbour's connection closed while data was still expected
 * - aborted: another rank failed and told everyone through the store
 * - closed: the process group was closed
 * - rendezvous: ranks could not find each other in time
 * - protocol: a peer sent bytes that do not follow the protocol
 */
export type CollectiveErrorKind = 'timeout' | 'mismatch' | 'disconnect' | 'aborted' | 'closed' | 'rendezvous' | 'protocol';

export class CollectiveError extends Error {
  readonly kind: CollectiveErrorKind;
  /** The rank that raised the error. */
  readonly rank: number;

  constructor(kind: CollectiveErrorKind, message: string, rank: number) {
    super(message);
    this.name = 'CollectiveError';
    this.kind = kind;
    this.rank = rank;
  }
}

export function isCollectiveError(error: unknown): error is CollectiveError {
  return error instanceof Error && error.name === 'CollectiveError';
}

/** Raised by a handshake that fails; `reason` is a phrase for logs ("wrong token"). */
export class AuthError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'AuthError';
  }
}

/** Bytes that break the wire format (bad magic, oversized frame, invalid JSON). */
export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

/** "30 s", "1.5 s", "250 ms": durations as people read them in error messages. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 120) return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
  const minutes = seconds / 60;
  return `${Number.isInteger(minutes) ? minutes : minutes.toFixed(1)} min`;
}

/** "2", "2 and 3", "1, 2 and 3" reads badly in lists of ranks; we keep the plain comma list. */
export function formatRanks(ranks: readonly number[]): string {
  return ranks.join(', ');
}
