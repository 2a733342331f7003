/**
 * Wire format of the rendezvous store: frames of a u32 little-endian length and a UTF-8 JSON body.
 * Lengths are checked before anything is allocated, so four random bytes cannot make us reserve gigabytes.
 */
import type { ByteReceiver } from './byte-receiver.js';
import { ProtocolError } from './errors.js';
import type { JsonValue } from './types.js';

export const MAX_STORE_FRAME_BYTES = 4 * 1024 * 1024;
const MAX_KEY_LENGTH = 1024;
const MAX_WAIT_KEYS = 4096;

export type StoreRequest =
  | { op: 'set'; id?: number; key: string; value: JsonValue }
  | { op: 'get'; id: number; key: string }
  | { op: 'wait'; id: number; keys: string[]; timeoutMs: number | null }
  | { op: 'add'; id: number; key: string; delta: number }
  | { op: 'delete'; id?: number; key: string };

export interface StoreReply {
  id: number;
  value?: JsonValue;
  found?: boolean;
  values?: JsonValue[];
  error?: string;
  timedOut?: boolean;
}

export type StoreResponse = StoreReply | { op: 'shutdown' };

export function encodeFrame(message: StoreRequest | StoreResponse): Buffer {
  const body = Buffer.from(JSON.stringify(message), 'utf8');
  if (body.length > MAX_STORE_FRAME_BYTES) {
    throw new RangeError(`A store message of ${body.length} bytes exceeds the ${MAX_STORE_FRAME_BYTES}-byte limit; the store is for small values.`);
  }
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}

export async function readFrame(receiver: ByteReceiver, maxBytes = MAX_STORE_FRAME_BYTES): Promise<unknown> {
  const prefix = await receiver.read(4);
  const length = new DataView(prefix.buffer, prefix.byteOffset, 4).getUint32(0, true);
  if (length === 0 || length > maxBytes) throw new ProtocolError(`a frame announced ${length} bytes (limit ${maxBytes})`);
  const body = await receiver.read(length);
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(body)) as unknown;
  } catch {
    throw new ProtocolError('a frame is not valid UTF-8 JSON');
  }
}

function isKey(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_KEY_LENGTH;
}

function isId(value: unknown): value is number {
  return Number.isSafeInteger(value);
}

/** The request if `value` is a well-formed one, else null. */
export function parseRequest(value: unknown): StoreRequest | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const message = value as Record<string, unknown>;
  const idOk = message.id === undefined || isId(message.id);
  switch (message.op) {
    case 'set':
      return idOk && isKey(message.key) && 'value' in message ? (message as StoreRequest) : null;
    case 'delete':
      return idOk && isKey(message.key) ? (message as StoreRequest) : null;
    case 'get':
      return isId(message.id) && isKey(message.key) ? (message as StoreRequest) : null;
    case 'add':
      return isId(message.id) && isKey(message.key) && typeof message.delta === 'number' && Number.isFinite(message.delta) ? (message as StoreRequest) : null;
    case 'wait': {
      const keys = message.keys;
      const timeoutOk = message.timeoutMs === null || (typeof message.timeoutMs === 'number' && message.timeoutMs >= 0);
      const keysOk = Array.isArray(keys) && keys.length > 0 && keys.length <= MAX_WAIT_KEYS && keys.every(isKey);
      return isId(message.id) && keysOk && timeoutOk ? (message as StoreRequest) : null;
    }
    default:
      return null;
  }
}
