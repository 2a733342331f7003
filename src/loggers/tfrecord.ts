import crc32cModule from 'crc-32/crc32c.js';

// TFRecord framing, the container of TensorBoard event files:
//   u64 little-endian data length | masked CRC-32C of those 8 bytes | data | masked CRC-32C of data

/** Added after rotating, so a CRC of data that itself holds CRCs does not look like a valid checksum. */
const CRC_MASK_DELTA = 0xa282ead8;

/** CRC-32C (Castagnoli) of `bytes` as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array): number {
  return crc32cModule.buf(bytes) >>> 0;
}

/** The checksum TFRecord stores: the CRC-32C rotated right by 15 bits plus a constant, mod 2^32. */
export function maskedCrc32c(bytes: Uint8Array): number {
  const crc = crc32c(bytes);
  return (((crc >>> 15) | (crc << 17)) + CRC_MASK_DELTA) >>> 0;
}

/** One record framed for appending to a TFRecord file. */
export function frameRecord(data: Uint8Array): Buffer {
  const record = Buffer.alloc(8 + 4 + data.length + 4);
  record.writeBigUInt64LE(BigInt(data.length), 0);
  record.writeUInt32LE(maskedCrc32c(record.subarray(0, 8)), 8);
  record.set(data, 12);
  record.writeUInt32LE(maskedCrc32c(data), 12 + data.length);
  return record;
}
