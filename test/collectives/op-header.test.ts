import { describe, expect, it } from 'vitest';
import { decodeBlockHeader, decodeOpHeader, describeOp, encodeBlockHeader, encodeOpHeader, findMismatch, type OpDescriptor } from '../../src/collectives/op-header.js';

const allReduce: OpDescriptor = { seq: 12, op: 'allReduce', dtype: 'float32', reduceOp: 'sum', length: 1000, src: -1, rank: 0 };
const barrier: OpDescriptor = { seq: 12, op: 'barrier', dtype: 'none', reduceOp: null, length: 0, src: -1, rank: 1 };

describe('op headers', () => {
  it('round-trip through 32 bytes', () => {
    const bytes = encodeOpHeader(allReduce);
    expect(bytes.length).toBe(32);
    expect(decodeOpHeader(bytes)).toEqual(allReduce);
    const broadcast: OpDescriptor = { seq: 4_000_000_000, op: 'broadcast', dtype: 'none', reduceOp: null, length: -1, src: 3, rank: 65535 };
    expect(decodeOpHeader(encodeOpHeader(broadcast))).toEqual(broadcast);
  });

  it('reject bytes that are not a header', () => {
    expect(() => decodeOpHeader(new Uint8Array(32))).toThrow(/wrong magic/);
    const bytes = encodeOpHeader(allReduce);
    bytes[8] = 99;
    expect(() => decodeOpHeader(bytes)).toThrow(/out-of-range/);
  });

  it('describe operations as people read them', () => {
    expect(describeOp(allReduce)).toBe('allReduce #12 (sum) with 1000 float32 values');
    expect(describeOp({ ...allReduce, op: 'allGather', length: 1, dtype: 'int32' })).toBe('allGather #12 with 1 int32 value');
    expect(describeOp({ ...barrier, name: 'epoch-end' })).toBe("barrier #12 ('epoch-end')");
    expect(describeOp({ ...barrier, op: 'broadcast', src: 2 })).toBe('broadcast #12 from rank 2');
  });

  it('findMismatch names both sides, predecessor first', () => {
    expect(findMismatch(barrier, allReduce)).toBe('rank 0 is in allReduce #12 (sum) with 1000 float32 values but rank 1 is in barrier #12');
    expect(findMismatch({ ...allReduce, rank: 1 }, allReduce)).toBeNull();
    expect(findMismatch({ ...allReduce, rank: 1, length: 999 }, allReduce)).toMatch(/999 float32 values/);
    expect(findMismatch({ ...allReduce, rank: 1, seq: 13 }, allReduce)).toMatch(/#13/);
    const gather: OpDescriptor = { ...allReduce, op: 'allGather', reduceOp: null };
    expect(findMismatch({ ...gather, rank: 1, length: 5 }, gather)).toBeNull();
  });
});

describe('block headers', () => {
  it('round-trip and guard their lengths', () => {
    const header = { origin: 3, dtype: 'int32' as const, byteLength: 4096 };
    expect(decodeBlockHeader(encodeBlockHeader(header))).toEqual(header);
    expect(() => decodeBlockHeader(encodeBlockHeader({ ...header, byteLength: 2 ** 40 }))).toThrow(/out-of-range/);
    expect(() => decodeBlockHeader(encodeBlockHeader({ ...header, byteLength: 6 }))).toThrow(/whole number of elements/);
    expect(() => decodeBlockHeader(new Uint8Array(16))).toThrow(/wrong magic/);
  });
});
