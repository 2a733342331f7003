import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { crc32c, frameRecord, maskedCrc32c } from '../../src/loggers/tfrecord.js';
import { readRecords, referenceCrc32c, referenceMask } from './tfevents-reader.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-tfrecord-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('crc32c', () => {
  it('gives the standard CRC-32C check value for "123456789"', () => {
    const bytes = Buffer.from('123456789', 'ascii');
    expect(crc32c(bytes)).toBe(0xe3069283);
    expect(referenceCrc32c(bytes)).toBe(0xe3069283);
  });

  it('gives 0 for no bytes and agrees with a bit-at-a-time CRC-32C on random data', () => {
    expect(crc32c(new Uint8Array())).toBe(0);
    for (const size of [1, 7, 64, 1000, 20_001]) {
      const bytes = Buffer.from(Array.from({ length: size }, (_, i) => (i * 131 + size) & 0xff));
      expect(crc32c(bytes)).toBe(referenceCrc32c(bytes));
    }
  });
});

describe('maskedCrc32c', () => {
  it('matches the test vector: masked CRC-32C of the 19 bytes "\\x1a\\x11CRC test, one two" is 0x5794d08a', () => {
    // The vector's bytes are 0x1a 0x11 and then the 17 ASCII characters "CRC test, one two" (0x11 = 17: a protobuf
    // string field 3 holding that text). 0x5794d08a is the MASKED value; the plain CRC-32C is 0xf2d95a88.
    // TensorBoard's own tensorboard.summary.writer.record_writer.masked_crc32c gives the same 0x5794d08a.
    const bytes = Buffer.from([0x1a, 0x11, ...Buffer.from('CRC test, one two', 'ascii')]);
    expect(bytes.length).toBe(19);
    expect(crc32c(bytes)).toBe(0xf2d95a88);
    expect(maskedCrc32c(bytes)).toBe(0x5794d08a);
  });

  it('rotates right by 15 and adds 0xa282ead8 modulo 2^32', () => {
    for (const text of ['', 'a', 'brain.Event:2', 'x'.repeat(300)]) {
      const bytes = Buffer.from(text);
      expect(maskedCrc32c(bytes)).toBe(referenceMask(referenceCrc32c(bytes)));
    }
  });
});

describe('frameRecord', () => {
  it('lays out length, masked CRC of the length, data and masked CRC of the data', () => {
    const data = Buffer.from('hello');
    const record = frameRecord(data);
    expect(record.length).toBe(8 + 4 + 5 + 4);
    expect(record.readBigUInt64LE(0)).toBe(5n);
    expect(record.readUInt32LE(8)).toBe(referenceMask(referenceCrc32c(record.subarray(0, 8))));
    expect(record.subarray(12, 17).toString()).toBe('hello');
    expect(record.readUInt32LE(17)).toBe(referenceMask(referenceCrc32c(data)));
  });

  it('round-trips records of many sizes through a file', () => {
    const records = [0, 1, 127, 128, 300, 20_000].map((size) => Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + size) & 0xff)));
    const file = path.join(dir, 'records');
    fs.writeFileSync(file, Buffer.concat(records.map((r) => frameRecord(r))));
    expect(readRecords(file)).toEqual(records);
  });

  it('is caught by the reader when one byte of data changes', () => {
    const file = path.join(dir, 'records');
    const record = frameRecord(Buffer.from('some event bytes'));
    record[14] ^= 0x01;
    fs.writeFileSync(file, record);
    expect(() => readRecords(file)).toThrow(/bad data CRC/);
  });
});
