import * as fs from 'node:fs';
import * as path from 'node:path';

// An event-file reader for the tests, written apart from the writer on purpose: its own CRC-32C,
// its own varint and protobuf field parsing, field numbers typed in again from TensorFlow's protos.

const CRC32C_POLY_REVERSED = 0x82f63b78;

/** Bit-at-a-time CRC-32C: slow and obviously right. */
export function referenceCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ CRC32C_POLY_REVERSED : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

export function referenceMask(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

/** The data of every record in a TFRecord file; throws on a bad length or checksum. */
export function readRecords(file: string): Buffer[] {
  const bytes = fs.readFileSync(file);
  const records: Buffer[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (at + 12 > bytes.length) throw new Error(`${file}: torn record header at byte ${at}`);
    const header = bytes.subarray(at, at + 8);
    if (bytes.readUInt32LE(at + 8) !== referenceMask(referenceCrc32c(header))) throw new Error(`${file}: bad length CRC at byte ${at}`);
    const length = Number(bytes.readBigUInt64LE(at));
    const data = bytes.subarray(at + 12, at + 12 + length);
    if (data.length !== length || at + 16 + length > bytes.length) throw new Error(`${file}: torn record at byte ${at}`);
    if (bytes.readUInt32LE(at + 12 + length) !== referenceMask(referenceCrc32c(data))) throw new Error(`${file}: bad data CRC at byte ${at}`);
    records.push(data);
    at += 16 + length;
  }
  return records;
}

interface Field {
  number: number;
  varint?: bigint;
  bytes?: Buffer;
  /** The raw 4 or 8 bytes of a fixed-width field. */
  fixed?: Buffer;
}

function readVarint(bytes: Buffer, at: number): [bigint, number] {
  let value = 0n;
  for (let shift = 0n; ; shift += 7n) {
    if (at >= bytes.length) throw new Error('varint runs past the end');
    const byte = bytes[at++];
    value |= BigInt(byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) return [value, at];
  }
}

/** Splits a protobuf message into its fields, in order. */
export function parseFields(bytes: Buffer): Field[] {
  const fields: Field[] = [];
  let at = 0;
  while (at < bytes.length) {
    const [key, next] = readVarint(bytes, at);
    at = next;
    const number = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const [varint, after] = readVarint(bytes, at);
      fields.push({ number, varint });
      at = after;
    } else if (wire === 1 || wire === 5) {
      const width = wire === 1 ? 8 : 4;
      fields.push({ number, fixed: bytes.subarray(at, at + width) });
      at += width;
    } else if (wire === 2) {
      const [length, after] = readVarint(bytes, at);
      fields.push({ number, bytes: bytes.subarray(after, after + Number(length)) });
      at = after + Number(length);
    } else {
      throw new Error(`unexpected wire type ${wire} for field ${number}`);
    }
  }
  if (at !== bytes.length) throw new Error('message runs past its end');
  return fields;
}

const all = (fields: Field[], n: number) => fields.filter((f) => f.number === n);
const one = (fields: Field[], n: number) => all(fields, n).at(-1);
const text = (field: Field | undefined) => field?.bytes?.toString('utf8');
const double = (field: Field | undefined) => field?.fixed?.readDoubleLE(0);
const int = (field: Field | undefined) => (field?.varint === undefined ? undefined : Number(BigInt.asIntN(64, field.varint)));

export interface DecodedValue {
  tag: string;
  simpleValue?: number;
  pluginName?: string;
  pluginContent?: Buffer;
  tensor?: { dtype: number; dims: number[]; strings: string[] };
}

export interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  sessionLogStatus?: number;
  values?: DecodedValue[];
}

function decodeValue(bytes: Buffer): DecodedValue {
  const f = parseFields(bytes);
  const value: DecodedValue = { tag: text(one(f, 1)) ?? '' };
  const simple = one(f, 2);
  if (simple) value.simpleValue = simple.fixed!.readFloatLE(0);
  const metadata = one(f, 9);
  if (metadata) {
    const pluginData = one(parseFields(metadata.bytes!), 1);
    const plugin = pluginData ? parseFields(pluginData.bytes!) : [];
    value.pluginName = text(one(plugin, 1));
    value.pluginContent = one(plugin, 2)?.bytes ?? Buffer.alloc(0);
  }
  const tensor = one(f, 8);
  if (tensor) {
    const t = parseFields(tensor.bytes!);
    const shape = one(t, 2);
    const dims = shape ? all(parseFields(shape.bytes!), 2).map((d) => int(one(parseFields(d.bytes!), 1)) ?? 0) : [];
    value.tensor = { dtype: int(one(t, 1)) ?? 0, dims, strings: all(t, 8).map((s) => s.bytes!.toString('utf8')) };
  }
  return value;
}

export function decodeEvent(bytes: Buffer): DecodedEvent {
  const f = parseFields(bytes);
  const event: DecodedEvent = { wallTime: double(one(f, 1)) ?? 0, step: int(one(f, 2)) ?? 0 };
  const fileVersion = one(f, 3);
  if (fileVersion) event.fileVersion = text(fileVersion);
  const summary = one(f, 5);
  if (summary) event.values = all(parseFields(summary.bytes!), 1).map((v) => decodeValue(v.bytes!));
  const sessionLog = one(f, 7);
  if (sessionLog) event.sessionLogStatus = int(one(parseFields(sessionLog.bytes!), 1)) ?? 0;
  return event;
}

export function readEvents(file: string): DecodedEvent[] {
  return readRecords(file).map(decodeEvent);
}

export function eventFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => name.includes('tfevents')).sort().map((name) => path.join(dir, name));
}

/** Scalars of a run as TensorBoard shows them: files in name order, and a SessionLog START at step S drops steps >= S seen before. */
export function readScalars(dir: string): Map<string, [number, number][]> {
  const scalars = new Map<string, [number, number][]>();
  for (const file of eventFiles(dir)) {
    for (const event of readEvents(file)) {
      if (event.sessionLogStatus === 1) for (const [tag, points] of scalars) scalars.set(tag, points.filter(([step]) => step < event.step));
      for (const value of event.values ?? []) {
        if (value.simpleValue === undefined) continue;
        scalars.set(value.tag, [...(scalars.get(value.tag) ?? []), [event.step, value.simpleValue]]);
      }
    }
  }
  return scalars;
}

export interface DecodedHParams {
  version: number;
  experiment?: { hparams: { name: string; type: number }[]; metricTags: string[] };
  sessionStart?: { hparams: Record<string, number | string | boolean>; startTimeSecs: number };
  sessionEnd?: { status: number; endTimeSecs: number };
}

function decodeStructValue(bytes: Buffer): number | string | boolean {
  const f = parseFields(bytes);
  if (one(f, 2)) return double(one(f, 2))!;
  if (one(f, 3)) return text(one(f, 3))!;
  return one(f, 4)?.varint === 1n;
}

/** `HParamsPluginData` (tensorboard/plugins/hparams/plugin_data.proto). */
export function decodeHParamsPluginData(content: Buffer): DecodedHParams {
  const f = parseFields(content);
  const decoded: DecodedHParams = { version: int(one(f, 1)) ?? 0 };
  const experiment = one(f, 2);
  if (experiment) {
    const e = parseFields(experiment.bytes!);
    decoded.experiment = {
      hparams: all(e, 4).map((info) => {
        const i = parseFields(info.bytes!);
        return { name: text(one(i, 1))!, type: int(one(i, 4)) ?? 0 };
      }),
      metricTags: all(e, 5).map((info) => text(one(parseFields(one(parseFields(info.bytes!), 1)!.bytes!), 2))!),
    };
  }
  const start = one(f, 3);
  if (start) {
    const s = parseFields(start.bytes!);
    const hparams: Record<string, number | string | boolean> = {};
    for (const entry of all(s, 1)) {
      const e = parseFields(entry.bytes!);
      hparams[text(one(e, 1))!] = decodeStructValue(one(e, 2)!.bytes!);
    }
    decoded.sessionStart = { hparams, startTimeSecs: double(one(s, 5)) ?? 0 };
  }
  const end = one(f, 4);
  if (end) {
    const e = parseFields(end.bytes!);
    decoded.sessionEnd = { status: int(one(e, 1)) ?? 0, endTimeSecs: double(one(e, 2)) ?? 0 };
  }
  return decoded;
}
