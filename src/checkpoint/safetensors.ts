import { createHash } from 'node:crypto';
import { open, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import { FabricUserError } from '../errors.js';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'I32' | 'I64' | 'U8' | 'F64';

/** One tensor: its dtype, shape and raw little-endian bytes. */
export interface SafetensorsEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data: Uint8Array;
}

export interface SafetensorsFile {
  tensors: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
}

export type SafetensorsTensors = Map<string, SafetensorsEntry> | Record<string, SafetensorsEntry>;

const DTYPE_SIZES: Record<SafetensorsDtype, number> = { F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, U8: 1 };
const METADATA_KEY = '__metadata__';
const MAX_HEADER_BYTES = 100 * 1024 * 1024;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_SIZES, value);
}

function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

function corrupt(fileName: string, problem: string): FabricUserError {
  return new FabricUserError(
    `The safetensors file "${fileName}" cannot be loaded: ${problem}. ` +
      'The file is damaged or was not written by a safetensors writer; re-save it from its source or restore a good copy.',
  );
}

// ---------------------------------------------------------------------------------------------
// Encoding

function toEntryList(tensors: SafetensorsTensors): Array<[string, SafetensorsEntry]> {
  return tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
}

function checkEntryForEncoding(name: string, entry: SafetensorsEntry): void {
  const problem = (what: string): FabricUserError =>
    new FabricUserError(`Cannot save tensor "${name}" to safetensors: ${what}. Fix the tensor before saving the checkpoint.`);
  if (name === METADATA_KEY || name.length === 0) throw problem('this name is reserved or empty; rename the tensor');
  if (!isDtype(entry.dtype)) throw problem(`dtype ${JSON.stringify(entry.dtype)} is not one of ${Object.keys(DTYPE_SIZES).join(', ')}`);
  if (!Array.isArray(entry.shape) || !entry.shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw problem(`shape ${JSON.stringify(entry.shape)} is not a list of non-negative integers`);
  }
  const expected = elementCount(entry.shape) * DTYPE_SIZES[entry.dtype];
  if (entry.data.byteLength !== expected) {
    throw problem(`shape [${entry.shape.join(', ')}] of ${entry.dtype} needs ${expected} bytes but the data has ${entry.data.byteLength}`);
  }
}

/** Header bytes plus the tensors in data-section order. */
function planLayout(tensors: SafetensorsTensors, metadata?: Record<string, string>) {
  const entries = toEntryList(tensors);
  for (const [name, entry] of entries) checkEntryForEncoding(name, entry);
  // Widest dtype first, then by name: deterministic, and every tensor starts aligned to its element size.
  entries.sort(([nameA, a], [nameB, b]) => DTYPE_SIZES[b.dtype] - DTYPE_SIZES[a.dtype] || (nameA < nameB ? -1 : nameA > nameB ? 1 : 0));

  const fields: string[] = [];
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new FabricUserError(`Cannot save safetensors metadata "${key}": its value must be a string, got ${typeof value}. Convert it with String() or JSON.stringify() first.`);
      }
    }
    fields.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  for (const [name, entry] of entries) {
    const end = offset + entry.data.byteLength;
    fields.push(`${JSON.stringify(name)}:${JSON.stringify({ dtype: entry.dtype, shape: entry.shape, data_offsets: [offset, end] })}`);
    offset = end;
  }
  const json = Buffer.from(`{${fields.join(',')}}`, 'utf8');
  const paddedLength = Math.ceil(json.byteLength / 8) * 8;
  const header = Buffer.alloc(8 + paddedLength, 0x20); // pad with spaces, as the reference writer does
  header.writeBigUInt64LE(BigInt(paddedLength), 0);
  json.copy(header, 8);
  return { header, ordered: entries.map(([, entry]) => entry.data), dataBytes: offset };
}

export function encodeSafetensors(tensors: SafetensorsTensors, metadata?: Record<string, string>): Buffer {
  const { header, ordered, dataBytes } = planLayout(tensors, metadata);
  const out = Buffer.allocUnsafe(header.byteLength + dataBytes);
  header.copy(out, 0);
  let position = header.byteLength;
  for (const data of ordered) {
    out.set(data, position);
    position += data.byteLength;
  }
  return out;
}

/**
 * Writes the file piece by piece (no second copy of all tensors), fsyncs it, and returns the SHA-256 (hex) of
 * the bytes written: each piece is hashed while the previous one is being written, so checksums cost no re-read.
 */
export async function writeSafetensorsFile(path: string, tensors: SafetensorsTensors, metadata?: Record<string, string>): Promise<string> {
  const { header, ordered } = planLayout(tensors, metadata);
  const hash = createHash('sha256');
  const handle = await open(path, 'w');
  try {
    let writing: Promise<unknown> = handle.write(header);
    hash.update(header);
    for (const data of ordered) {
      if (data.byteLength === 0) continue;
      await writing;
      writing = handle.write(data);
      hash.update(data);
    }
    await writing;
    await handle.sync();
  } finally {
    await handle.close();
  }
  return hash.digest('hex');
}

// ---------------------------------------------------------------------------------------------
// Decoding

function parseHeader(bytes: Uint8Array, fileName: string): { json: Record<string, unknown>; dataStart: number } {
  if (bytes.byteLength < 8) throw corrupt(fileName, `it is only ${bytes.byteLength} bytes long, shorter than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) throw corrupt(fileName, `the header claims to be ${headerLength} bytes, more than the 100 MB limit`);
  const length = Number(headerLength);
  if (8 + length > bytes.byteLength) {
    throw corrupt(fileName, `the header is corrupt or truncated (it claims ${length} bytes but the file has only ${bytes.byteLength - 8} after the length)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + length)));
  } catch (error) {
    throw corrupt(fileName, `the header is corrupt or truncated (${(error as Error).message})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw corrupt(fileName, 'the header is corrupt or truncated (it is not a JSON object)');
  }
  return { json: json as Record<string, unknown>, dataStart: 8 + length };
}

function parseMetadata(value: unknown, fileName: string): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw corrupt(fileName, '"__metadata__" is not an object');
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') throw corrupt(fileName, `"__metadata__" value for "${key}" is not a string`);
  }
  return Object.fromEntries(Object.entries(value)) as Record<string, string>;
}

interface PlacedEntry { name: string; dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }

function parseEntry(name: string, value: unknown, dataLength: number, fileName: string): PlacedEntry {
  const bad = (what: string): FabricUserError => corrupt(fileName, `tensor "${name}" ${what}`);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('has a header entry that is not an object');
  const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
  if (!isDtype(dtype)) throw bad(`has unknown dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_SIZES).join(', ')})`);
  if (!Array.isArray(shape) || !shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0)) {
    throw bad(`has shape ${JSON.stringify(shape)}, which is not an array of non-negative integers`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0) || offsets[0] > offsets[1]) {
    throw bad(`has data_offsets ${JSON.stringify(offsets)}, which is not [begin, end] with 0 <= begin <= end`);
  }
  const [begin, end] = offsets as [number, number];
  const expected = elementCount(shape) * DTYPE_SIZES[dtype];
  if (end - begin !== expected) {
    throw bad(`has ${end - begin} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
  }
  if (end > dataLength) {
    throw corrupt(fileName, `the data section is truncated (tensor "${name}" ends at byte ${end} but the data section has only ${dataLength} bytes)`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** Parses and validates a safetensors buffer; tensor data are views into `bytes`, not copies. */
export function decodeSafetensors(bytes: Uint8Array, fileName: string): SafetensorsFile {
  const { json, dataStart } = parseHeader(bytes, fileName);
  const dataLength = bytes.byteLength - dataStart;
  const placed: PlacedEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name !== METADATA_KEY) placed.push(parseEntry(name, value, dataLength, fileName));
  }
  const metadata = parseMetadata(json[METADATA_KEY], fileName);

  // The format requires the entries to tile the data section exactly: no overlaps, no holes, no tail.
  placed.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const entry of placed) {
    if (entry.begin < covered) throw corrupt(fileName, `tensor "${entry.name}" overlaps the data of another tensor (bytes ${entry.begin}-${entry.end})`);
    if (entry.begin > covered) throw corrupt(fileName, `the data section has a hole before tensor "${entry.name}" (bytes ${covered}-${entry.begin} belong to no tensor)`);
    covered = entry.end;
  }
  if (covered !== dataLength) {
    throw corrupt(fileName, `the data section has ${dataLength - covered} bytes after the last tensor that belong to no tensor`);
  }

  const tensors = new Map<string, SafetensorsEntry>();
  for (const entry of placed) {
    tensors.set(entry.name, {
      dtype: entry.dtype,
      shape: entry.shape,
      data: bytes.subarray(dataStart + entry.begin, dataStart + entry.end),
    });
  }
  return { tensors, metadata };
}

export async function readSafetensorsFile(path: string): Promise<SafetensorsFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FabricUserError(`The safetensors file "${path}" does not exist. Check the checkpoint path, or save a checkpoint there first.`);
    }
    throw error;
  }
  return decodeSafetensors(bytes, path);
}

// ---------------------------------------------------------------------------------------------
// Typed-array conversions

function checkedCount(values: { length: number }, shape: number[], what: string): void {
  if (!shape.every((dim) => Number.isSafeInteger(dim) && dim >= 0) || elementCount(shape) !== values.length) {
    throw new FabricUserError(`Cannot build a ${what} safetensors entry: shape ${JSON.stringify(shape)} does not hold exactly ${values.length} values. Pass the tensor's real shape.`);
  }
}

function copyLittleEndian(values: Float32Array | Int32Array, set: (view: DataView, offset: number, value: number) => void, share = false): Uint8Array {
  if (LITTLE_ENDIAN_HOST) {
    return share ? new Uint8Array(values.buffer, values.byteOffset, values.byteLength) : new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
  }
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < values.length; i++) set(view, i * 4, values[i]!);
  return out;
}

/** With `share`, the entry views `values` instead of copying them: for arrays nobody changes while the entry is used (tfjs never mutates a tensor's data in place). */
export function float32Entry(values: Float32Array, shape: number[], options: { share?: boolean } = {}): SafetensorsEntry {
  checkedCount(values, shape, 'F32');
  return { dtype: 'F32', shape: [...shape], data: copyLittleEndian(values, (v, o, x) => v.setFloat32(o, x, true), options.share) };
}

export function int32Entry(values: Int32Array, shape: number[]): SafetensorsEntry {
  checkedCount(values, shape, 'I32');
  return { dtype: 'I32', shape: [...shape], data: copyLittleEndian(values, (v, o, x) => v.setInt32(o, x, true)) };
}

/** Exact value of an IEEE half-precision bit pattern. */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mantissa) * 2 ** (exponent - 25);
}

const bfloatScratch = new Float32Array(1);
const bfloatScratchBits = new Uint32Array(bfloatScratch.buffer);

/** bfloat16 is the top half of a float32, so widening is exact. */
export function bfloat16BitsToFloat32(bits: number): number {
  bfloatScratchBits[0] = (bits & 0xffff) << 16;
  return bfloatScratch[0]!;
}

/**
 * Float32 values of an entry. An aligned F32 entry on a little-endian host is returned as a view
 * of the entry's bytes (no copy); everything else is converted into a new array.
 */
export function entryToFloat32(entry: SafetensorsEntry, name: string, fileName: string): Float32Array {
  const count = elementCount(entry.shape);
  const size = isDtype(entry.dtype) ? DTYPE_SIZES[entry.dtype] : 0;
  if (entry.data.byteLength !== count * size) {
    throw corrupt(fileName, `tensor "${name}" has ${entry.data.byteLength} bytes, which does not match shape [${entry.shape.join(', ')}] of ${entry.dtype}`);
  }
  const { data } = entry;
  if (entry.dtype === 'F32' && LITTLE_ENDIAN_HOST && data.byteOffset % 4 === 0) {
    return new Float32Array(data.buffer, data.byteOffset, count);
  }
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const out = new Float32Array(count);
  switch (entry.dtype) {
    case 'F32':
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
      return out;
    case 'F16':
      for (let i = 0; i < count; i++) out[i] = float16BitsToFloat32(view.getUint16(i * 2, true));
      return out;
    case 'BF16':
      for (let i = 0; i < count; i++) out[i] = bfloat16BitsToFloat32(view.getUint16(i * 2, true));
      return out;
    case 'I32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
      return out;
    default:
      throw new FabricUserError(
        `Tensor "${name}" in "${fileName}" has dtype ${entry.dtype}, which cannot be loaded as float32 values. ` +
          'Save it as F32, F16, BF16 or I32 instead.',
      );
  }
}
