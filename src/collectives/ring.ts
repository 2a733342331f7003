/**
 * Ring algorithms. Data flows from each rank to its successor (rank + 1); every array is cut into
 * `worldSize` chunks and each chunk into segments, and each received segment is reduced (or stored) and
 * forwarded at once, so a large array streams through the ring without waiting for whole messages.
 * These functions only post receives and sends on an OpRun; the caller awaits `run.done`.
 *
 * Reduce-scatter step s (0..n-2): rank r sends chunk r-1-s and receives chunk r-2-s, which it combines with
 * its input and forwards at step s+1; after the last step rank r holds chunk r fully reduced.
 * All-gather step t (0..n-2): rank r sends chunk r-t and receives chunk r-1-t, forwarding it at step t+1.
 */
import { chunkStart, segments } from './chunks.js';
import { ProtocolError } from './errors.js';
import type { OpRun } from './op-run.js';
import { BLOCK_HEADER_BYTES, decodeBlockHeader, encodeBlockHeader } from './op-header.js';
import type { CombineOp, ReduceKernels } from './reduce-kernels.js';
import { bytesOf, dtypeOf, type NumericArray, type ReduceOp, type WireDtype } from './types.js';

export interface RingContext {
  run: OpRun;
  rank: number;
  worldSize: number;
  kernels: ReduceKernels;
}

const mod = (value: number, n: number) => ((value % n) + n) % n;

/**
 * allReduce: `out` (length L, may be `input`) receives the reduction of every rank's `input`.
 * reduceScatter: pass `partial` (scratch of length L for intermediate sums) and `own` (length of chunk r).
 */
export function ringReduce(
  ctx: RingContext,
  input: NumericArray,
  op: ReduceOp,
  target: { kind: 'allReduce'; out: NumericArray } | { kind: 'reduceScatter'; partial: NumericArray; own: NumericArray },
): void {
  const { run, rank, worldSize: n, kernels } = ctx;
  const length = input.length;
  const chunk = (c: number): [number, number] => [chunkStart(length, n, c), chunkStart(length, n, c + 1)];
  const combine: CombineOp = op === 'mean' ? 'sum' : op;
  const divisor = op === 'mean' ? n : 1;
  const partial = target.kind === 'allReduce' ? target.out : target.partial;
  const segment = kernels.segmentElements;

  const [firstStart, firstEnd] = chunk(mod(rank - 1, n));
  for (const [a, b] of segments(firstStart, firstEnd, segment)) run.send(bytesOf(input, a, b));

  for (let step = 0; step <= n - 2; step++) {
    const [start, end] = chunk(mod(rank - 2 - step, n));
    const last = step === n - 2;
    for (const [a, b] of segments(start, end, segment)) {
      run.expect(kernels.scratch.subarray(0, (b - a) * 4), () => {
        if (!last) {
          kernels.combine(combine, partial, a, input, a, b - a);
          run.send(bytesOf(partial, a, b));
        } else if (target.kind === 'allReduce') {
          kernels.combine(combine, target.out, a, input, a, b - a, divisor);
          run.send(bytesOf(target.out, a, b));
        } else {
          kernels.combine(combine, target.own, a - start, input, a, b - a, divisor);
        }
      });
    }
  }

  if (target.kind !== 'allReduce') return;
  const out = target.out;
  for (let step = 0; step <= n - 2; step++) {
    const [start, end] = chunk(mod(rank - 1 - step, n));
    const forward = step < n - 2;
    for (const [a, b] of segments(start, end, segment)) {
      run.expect(bytesOf(out, a, b), () => {
        if (forward) run.send(bytesOf(out, a, b));
      });
    }
  }
}

function newArray(dtype: WireDtype, byteLength: number): NumericArray | Uint8Array {
  if (dtype === 'float32') return new Float32Array(byteLength / 4);
  if (dtype === 'int32') return new Int32Array(byteLength / 4);
  return new Uint8Array(byteLength);
}

function byteView(array: NumericArray | Uint8Array): Uint8Array {
  return array instanceof Uint8Array ? array : bytesOf(array);
}

/**
 * Receives one block (header + payload) that started at `origin`, storing it through `store` and forwarding
 * it segment by segment when `forward`; then calls `next`.
 */
function receiveBlock(ctx: RingContext, origin: number, dtype: WireDtype | null, forward: boolean, store: (array: NumericArray | Uint8Array, dtype: WireDtype) => void, next: () => void): void {
  const { run, kernels } = ctx;
  run.expect(new Uint8Array(BLOCK_HEADER_BYTES), (headerBytes) => {
    const header = decodeBlockHeader(headerBytes);
    if (header.origin !== origin) throw new ProtocolError(`expected a block from rank ${origin}, got one from rank ${header.origin}`);
    if (dtype !== null && header.dtype !== dtype) throw new ProtocolError(`rank ${origin} sent ${header.dtype} values where ${dtype} were expected`);
    const array = newArray(header.dtype, header.byteLength);
    store(array, header.dtype);
    if (forward) run.send(headerBytes);
    const bytes = byteView(array);
    for (const [a, b] of segments(0, bytes.length, kernels.segmentElements * 4)) {
      const piece = bytes.subarray(a, b);
      run.expect(piece, () => {
        if (forward) run.send(piece);
      });
    }
    next();
  });
}

/** Every rank's array, in rank order; lengths may differ between ranks. `results[rank]` is a copy of input. */
export function ringAllGather(ctx: RingContext, input: NumericArray, results: NumericArray[]): void {
  const { run, rank, worldSize: n } = ctx;
  const dtype = dtypeOf(input);
  run.send(encodeBlockHeader({ origin: rank, dtype, byteLength: input.length * 4 }));
  run.send(bytesOf(input));
  results[rank] = input.slice();
  const receiveStep = (step: number) => {
    if (step > n - 2) return;
    const origin = mod(rank - 1 - step, n);
    receiveBlock(ctx, origin, dtype, step < n - 2, (array) => (results[origin] = array as NumericArray), () => receiveStep(step + 1));
  };
  receiveStep(0);
}

/** n-1 empty hops: when it completes, every rank has entered the barrier. */
export function ringBarrier(ctx: RingContext): void {
  ringAllGather(ctx, new Int32Array(0), []);
}

/** The source sends `payload`; the others receive it (forwarding unless their successor is the source). */
export function ringBroadcast(
  ctx: RingContext,
  src: number,
  payload: { bytes: Uint8Array; dtype: WireDtype } | null,
  onResult: (array: NumericArray | Uint8Array, dtype: WireDtype) => void,
): void {
  const { run, rank, worldSize: n } = ctx;
  if (rank === src) {
    if (!payload) throw new Error('ringBroadcast: the source needs a payload');
    run.send(encodeBlockHeader({ origin: src, dtype: payload.dtype, byteLength: payload.bytes.length }));
    run.send(payload.bytes);
    return;
  }
  receiveBlock(ctx, src, null, mod(rank + 1, n) !== src, onResult, () => {});
}
