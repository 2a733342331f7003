import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReceiver } from '../../src/collectives/byte-receiver.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** A connected pair: `client` reads through a ByteReceiver (onread or 'data' mode), `server` writes. */
async function pair(mode: 'onread' | 'data'): Promise<{ receiver: ByteReceiver; client: net.Socket; server: net.Socket }> {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const port = (listener.address() as net.AddressInfo).port;
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const receiver = new ByteReceiver();
  const client = mode === 'onread' ? net.connect({ host: '127.0.0.1', port, onread: receiver.onreadOption() }) : net.connect({ host: '127.0.0.1', port });
  receiver.attach(client);
  const server = await accepted;
  cleanups.push(() => {
    client.destroy();
    server.destroy();
    listener.close();
  });
  return { receiver, client, server };
}

describe.each(['onread', 'data'] as const)('ByteReceiver (%s mode)', (mode) => {
  it('fills expectations in order across arbitrary chunk boundaries', async () => {
    const { receiver, server } = await pair(mode);
    const payload = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    const sizes = [1, 3, 100_000, 7, 199_989];
    const reads = sizes.map((size) => receiver.read(size));
    for (let at = 0; at < payload.length; at += 65_537) server.write(payload.subarray(at, at + 65_537));
    const parts = await Promise.all(reads);
    expect(parts.map((part) => part.length)).toEqual(sizes);
    expect(Buffer.compare(Buffer.concat(parts), payload)).toBe(0);
  });

  it('keeps bytes nobody expected yet and hands them to the next expectation', async () => {
    const { receiver, server } = await pair(mode);
    server.write(Buffer.from('hello world'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(Buffer.from(await receiver.read(5)).toString()).toBe('hello');
    expect(Buffer.from(await receiver.read(6)).toString()).toBe(' world');
  });

  it('writes large payloads straight into the posted target', async () => {
    const { receiver, server } = await pair(mode);
    const target = new Uint8Array(1 << 20);
    const done = new Promise<void>((resolve) => receiver.expect(target, resolve));
    const payload = Buffer.alloc(1 << 20, 9);
    server.write(payload);
    await done;
    expect(Buffer.from(target).equals(payload)).toBe(true);
    expect(receiver.pendingExpectations).toBe(0);
  });

  it('rejects pending reads and reports whether bytes were pending when the stream ends', async () => {
    const { receiver, server } = await pair(mode);
    const ended = new Promise<boolean>((resolve) => (receiver.onEnd = (_, pending) => resolve(pending)));
    const read = receiver.read(10);
    server.end(Buffer.from('abc'));
    await expect(read).rejects.toThrow(/closed/);
    expect(await ended).toBe(true);
    await expect(receiver.read(1)).rejects.toThrow(/closed/);
  });

  it('stops at an error thrown by a completion callback and reports it', async () => {
    const { receiver, server } = await pair(mode);
    const reported = new Promise<unknown>((resolve) => (receiver.onError = resolve));
    receiver.expect(new Uint8Array(2), () => {
      throw new Error('bad header');
    });
    server.write(Buffer.from('xyz'));
    expect(String(await reported)).toContain('bad header');
  });
});

describe('ByteReceiver.expectNothing', () => {
  it('treats any byte on a send-only connection as a protocol error', async () => {
    const { receiver, client, server } = await pair('data');
    void client;
    receiver.expectNothing();
    const reported = new Promise<unknown>((resolve) => (receiver.onError = resolve));
    server.write(Buffer.from('!'));
    expect(String(await reported)).toMatch(/received 1 bytes on a connection that only sends/);
  });

  it('notices the peer closing', async () => {
    const { receiver, server } = await pair('data');
    receiver.expectNothing();
    const ended = new Promise<boolean>((resolve) => (receiver.onEnd = (_, pending) => resolve(pending)));
    server.end();
    expect(await ended).toBe(false);
  });
});
