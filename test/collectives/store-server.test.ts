import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { acceptHandshake, offerHandshake } from '../../src/collectives/auth.js';
import { ByteReceiver } from '../../src/collectives/byte-receiver.js';
import { encodeFrame } from '../../src/collectives/store-protocol.js';
import { client, closeAfterTest, startServer, TOKEN } from './store-fixtures.js';


function rawSocket(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => resolve(socket));
    socket.on('error', reject);
    socket.resume();
    closeAfterTest(() => socket.destroy());
  });
}

function closed(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));
}

async function until(condition: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('store authentication and robustness', () => {
  it('refuses a wrong token, logs it once, and keeps serving', async () => {
    const { server, logs } = await startServer();
    const error = await client(server.port, 2, 'wrong-token').catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FabricUserError);
    expect((error as Error).message).toMatch(/Rank 2 could not join the rendezvous store.*the server refused us.*same token/);
    await until(() => logs.length > 0);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toMatch(/refused a connection from 127\.0\.0\.1:\d+: wrong token/);
    await (await client(server.port)).set('still', 'fine');
  });

  it('a client that meets an impostor (no token) refuses it', async () => {
    const impostor = net.createServer((socket) => {
      const receiver = new ByteReceiver().attach(socket);
      acceptHandshake({ read: (n) => receiver.read(n), write: (bytes) => void socket.write(bytes) }, 'guessed').catch(() => socket.destroy());
    });
    await new Promise<void>((resolve) => impostor.listen(0, '127.0.0.1', resolve));
    closeAfterTest(() => new Promise((resolve) => impostor.close(resolve)));
    const port = (impostor.address() as net.AddressInfo).port;
    await expect(client(port)).rejects.toThrow(/the server refused us/);
  });

  it('random bytes do not crash it', async () => {
    const { server, logs } = await startServer({ authTimeoutMs: 300 });
    for (let i = 0; i < 20; i++) {
      const socket = await rawSocket(server.port);
      socket.on('error', () => {});
      socket.write(Buffer.from(Array.from({ length: 1 + i * 97 }, () => Math.floor(Math.random() * 256))));
      await closed(socket);
    }
    expect(logs.every((line) => /does not speak the fabric protocol|did not authenticate within 300 ms/.test(line))).toBe(true);
    await (await client(server.port)).set('alive', 1);
  });

  it('a silent client is dropped after the auth timeout', async () => {
    const { server, logs } = await startServer({ authTimeoutMs: 150 });
    const socket = await rawSocket(server.port);
    const started = Date.now();
    await closed(socket);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    await until(() => logs.length > 0);
    expect(logs.join('\n')).toMatch(/did not authenticate within 150 ms/);
  });

  it('1,000 rapid connections leave it working, and logs stay short', async () => {
    const { server, logs } = await startServer();
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 100 }, async () => {
          const socket = await rawSocket(server.port).catch(() => null);
          if (!socket) return;
          socket.on('error', () => {});
          socket.destroy();
        }),
      );
    }
    const store = await client(server.port);
    await store.set('after-flood', 1);
    expect(await store.get('after-flood')).toBe(1);
    await until(() => server.refusals.count >= 1000);
    expect(logs.length).toBeLessThanOrEqual(21);
    expect(logs.at(-1)).toMatch(/further ones are counted but not logged/);
  });

  it('an authenticated peer that announces a huge frame is cut off without allocating it', async () => {
    const { server, logs } = await startServer();
    const socket = await rawSocket(server.port);
    const receiver = new ByteReceiver().attach(socket);
    await offerHandshake({ read: (n) => receiver.read(n), write: (bytes) => void socket.write(bytes) }, TOKEN, { role: 'store', rank: 1 });
    const header = Buffer.alloc(4);
    header.writeUInt32LE(0xfffffff0);
    socket.write(header);
    await closed(socket);
    await until(() => logs.length > 0);
    expect(logs.join('\n')).toMatch(/a frame announced 4294967280 bytes/);
    await (await client(server.port)).set('alive', 1);
  });

  it('an authenticated peer that sends a malformed request is cut off', async () => {
    const { server, logs } = await startServer();
    const socket = await rawSocket(server.port);
    const receiver = new ByteReceiver().attach(socket);
    await offerHandshake({ read: (n) => receiver.read(n), write: (bytes) => void socket.write(bytes) }, TOKEN, { role: 'store', rank: 1 });
    socket.write(encodeFrame({ op: 'explode' } as never));
    await closed(socket);
    await until(() => logs.length > 0);
    expect(logs.join('\n')).toMatch(/a malformed store request/);
  });
});
