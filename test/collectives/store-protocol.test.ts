import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { ByteReceiver } from '../../src/collectives/byte-receiver.js';
import { encodeFrame, MAX_STORE_FRAME_BYTES, parseRequest, readFrame } from '../../src/collectives/store-protocol.js';

describe('store frames', () => {
  it('encode as a u32 length and JSON, and read back', async () => {
    const frame = encodeFrame({ op: 'set', id: 3, key: 'k', value: { a: [1, 'é'] } });
    expect(frame.readUInt32LE(0)).toBe(frame.length - 4);
    const server = net.createServer((socket) => socket.end(Buffer.concat([frame, frame])));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const socket = net.connect({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port });
    const receiver = new ByteReceiver().attach(socket);
    expect(await readFrame(receiver)).toEqual({ op: 'set', id: 3, key: 'k', value: { a: [1, 'é'] } });
    expect(await readFrame(receiver)).toEqual({ op: 'set', id: 3, key: 'k', value: { a: [1, 'é'] } });
    socket.destroy();
    server.close();
  });

  it('refuses to encode values too large for the store', () => {
    expect(() => encodeFrame({ op: 'set', key: 'k', value: 'x'.repeat(MAX_STORE_FRAME_BYTES) })).toThrow(/the store is for small values/);
  });

  it('accepts well-formed requests only', () => {
    expect(parseRequest({ op: 'get', id: 1, key: 'a' })).not.toBeNull();
    expect(parseRequest({ op: 'set', key: 'a', value: null })).not.toBeNull();
    expect(parseRequest({ op: 'wait', id: 1, keys: ['a'], timeoutMs: null })).not.toBeNull();
    expect(parseRequest({ op: 'add', id: 1, key: 'a', delta: 1 })).not.toBeNull();
    for (const bad of [null, [], 'set', { op: 'get', key: 'a' }, { op: 'set', key: '' }, { op: 'wait', id: 1, keys: [] }, { op: 'add', id: 1, key: 'a', delta: Infinity }, { op: 'drop', id: 1 }]) {
      expect(parseRequest(bad)).toBeNull();
    }
  });
});
