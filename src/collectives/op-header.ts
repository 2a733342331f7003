/**
 * The headers that travel on ring links. Every operation starts with a 32-byte op header from each rank to
 * its successor (sequence number, op, dtype, reduce op, length, source), so a receiver can tell at once
 * when its predecessor is in a different operation. Blocks of allGather and broadcast carry a 16-byte
 * block header (origin rank, dtype, byte length). Multi-byte fields are little-endian.
 */
import { ProtocolError } from './errors.js';
import type { OpName, ReduceOp, WireDtype } from './types.js';

export const OP_HEADER_BYTES = 32;
export const BLOCK_HEADER_BYTES = 16;

const OP_MAGIC = 0x504f4246; // "FBOP"
const BLOCK_MAGIC = 0x4b424246; // "FBBK"

const OPS: readonly OpName[] = ['allReduce', 'reduceScatter', 'allGather', 'broadcast', 'barrier'];
const DTYPES: readonly WireDtype[] = ['float32', 'int32', 'json', 'none'];
const REDUCE_OPS: readonly (ReduceOp | null)[] = [null, 'sum', 'mean', 'max', 'min'];

/** What a rank is doing at a sequence number. length: elements (-1 when unknown, e.g. broadcast receivers). */
export interface OpDescriptor {
  seq: number;
  op: OpName;
  dtype: WireDtype;
  reduceOp: ReduceOp | null;
  length: number;
  /** Broadcast source, else -1. */
  src: number;
  /** The rank that sent (or holds) this descriptor. */
  rank: number;
  /** Barrier name, local only (not sent), for messages. */
  name?: string;
}

export function encodeOpHeader(op: OpDescriptor): Uint8Array {
  const bytes = new Uint8Array(OP_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, OP_MAGIC, true);
  view.setUint32(4, op.seq >>> 0, true);
  view.setUint8(8, OPS.indexOf(op.op));
  view.setUint8(9, DTYPES.indexOf(op.dtype));
  view.setUint8(10, REDUCE_OPS.indexOf(op.reduceOp));
  view.setInt32(12, op.src, true);
  view.setFloat64(16, op.length, true);
  view.setUint32(24, op.rank, true);
  return bytes;
}

export function decodeOpHeader(bytes: Uint8Array): OpDescriptor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, OP_HEADER_BYTES);
  if (view.getUint32(0, true) !== OP_MAGIC) throw new ProtocolError('an operation header has a wrong magic number');
  const op = OPS[view.getUint8(8)];
  const dtype = DTYPES[view.getUint8(9)];
  const reduceIndex = view.getUint8(10);
  const length = view.getFloat64(16, true);
  if (!op || !dtype || reduceIndex >= REDUCE_OPS.length || !(Number.isSafeInteger(length) && length >= -1)) {
    throw new ProtocolError('an operation header has out-of-range fields');
  }
  return { seq: view.getUint32(4, true), op, dtype, reduceOp: REDUCE_OPS[reduceIndex], length, src: view.getInt32(12, true), rank: view.getUint32(24, true) };
}

export interface BlockHeader {
  origin: number;
  dtype: WireDtype;
  byteLength: number;
}

export function encodeBlockHeader(block: BlockHeader): Uint8Array {
  const bytes = new Uint8Array(BLOCK_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, BLOCK_MAGIC, true);
  view.setUint16(4, block.origin, true);
  view.setUint8(6, DTYPES.indexOf(block.dtype));
  view.setFloat64(8, block.byteLength, true);
  return bytes;
}

/** Largest block we accept: what a typed array can hold in Node (guards against a corrupted length). */
const MAX_BLOCK_BYTES = 2 ** 32;

export function decodeBlockHeader(bytes: Uint8Array): BlockHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, BLOCK_HEADER_BYTES);
  if (view.getUint32(0, true) !== BLOCK_MAGIC) throw new ProtocolError('a block header has a wrong magic number');
  const dtype = DTYPES[view.getUint8(6)];
  const byteLength = view.getFloat64(8, true);
  if (!dtype || !Number.isSafeInteger(byteLength) || byteLength < 0 || byteLength > MAX_BLOCK_BYTES) {
    throw new ProtocolError('a block header has out-of-range fields');
  }
  if ((dtype === 'float32' || dtype === 'int32') && byteLength % 4 !== 0) throw new ProtocolError('a numeric block is not a whole number of elements');
  return { origin: view.getUint16(4, true), dtype, byteLength };
}

/** "allReduce #12 (sum) with 1000 float32 values", "broadcast #3 from rank 0", "barrier #7". */
export function describeOp(op: OpDescriptor): string {
  const name = `${op.op} #${op.seq}`;
  const values = (count: number) => `${count} ${op.dtype} value${count === 1 ? '' : 's'}`;
  switch (op.op) {
    case 'allReduce':
    case 'reduceScatter':
      return `${name} (${op.reduceOp}) with ${values(op.length)}`;
    case 'allGather':
      return `${name} with ${values(op.length)}`;
    case 'broadcast':
      return `${name} from rank ${op.src}`;
    case 'barrier':
      return op.name ? `${name} ('${op.name}')` : name;
  }
}

/** Null when `theirs` (from the predecessor) is the same collective as `mine`, else the message saying how not. */
export function findMismatch(mine: OpDescriptor, theirs: OpDescriptor): string | null {
  const same =
    mine.seq === theirs.seq &&
    mine.op === theirs.op &&
    (mine.op === 'barrier' ||
      (mine.op === 'broadcast' && mine.src === theirs.src) ||
      (mine.op === 'allGather' && mine.dtype === theirs.dtype) ||
      ((mine.op === 'allReduce' || mine.op === 'reduceScatter') && mine.dtype === theirs.dtype && mine.length === theirs.length && mine.reduceOp === theirs.reduceOp));
  if (same) return null;
  return `rank ${theirs.rank} is in ${describeOp(theirs)} but rank ${mine.rank} is in ${describeOp(mine)}`;
}
