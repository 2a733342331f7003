import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { connectToPredecessor, describeAddress, listenForSuccessor, unixSocketPath, type PeerAddress } from '../../src/collectives/transport.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

function security(token: string | null, logs: string[] = []) {
  return { token, log: (line: string) => logs.push(line), authTimeoutMs: 500 };
}

describe.each(['unix', 'tcp'] as const)('ring links over %s', (kind) => {
  const address = (): PeerAddress => (kind === 'unix' ? { kind, path: unixSocketPath(os.tmpdir(), 7) } : { kind, host: '127.0.0.1', port: 0 });

  it('connect and accept authenticate each other, then carry bytes from the listener to the connector', async () => {
    const listener = await listenForSuccessor(address(), 2, security('t'), 1);
    cleanups.push(listener.close);
    const link = await connectToPredecessor(listener.address, 2, security('t'), Date.now() + 2000);
    cleanups.push(() => link.socket.destroy());
    const { socket } = await listener.accepted;
    cleanups.push(() => socket.destroy());
    const received = link.receiver.read(5);
    socket.write(Buffer.from('bytes'));
    expect(Buffer.from(await received).toString()).toBe('bytes');
    if (listener.address.kind === 'unix') expect(fs.existsSync(listener.address.path)).toBe(false);
  });

  it('refuses a connector with the wrong token or the wrong rank, logging each once', async () => {
    const logs: string[] = [];
    const listener = await listenForSuccessor(address(), 2, security('t', logs), 1);
    cleanups.push(listener.close);
    await expect(connectToPredecessor(listener.address, 2, security('other'), Date.now() + 2000)).rejects.toThrow(FabricUserError);
    await expect(connectToPredecessor(listener.address, 3, security('t'), Date.now() + 2000)).rejects.toThrow(/could not open its ring link.*the server refused us/);
    const link = await connectToPredecessor(listener.address, 2, security('t'), Date.now() + 2000);
    cleanups.push(() => link.socket.destroy());
    await listener.accepted;
    expect(logs).toHaveLength(2);
    expect(logs[0]).toMatch(/rank 1's ring listener: refused a connection from .*: wrong token\./);
    expect(logs[1]).toMatch(/it is ring rank 3, not ring rank 2/);
  });
});

describe('ring link details', () => {
  it('connecting retries until the predecessor listens', async () => {
    const file = unixSocketPath(os.tmpdir(), 1);
    const connecting = connectToPredecessor({ kind: 'unix', path: file }, 2, security('t'), Date.now() + 3000);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const listener = await listenForSuccessor({ kind: 'unix', path: file }, 2, security('t'), 1);
    cleanups.push(listener.close);
    const link = await connecting;
    cleanups.push(() => link.socket.destroy());
    expect((await listener.accepted).socket).toBeInstanceOf(net.Socket);
  });

  it('socket paths that the OS cannot hold are a clear error', () => {
    expect(() => unixSocketPath(path.join('/tmp', 'x'.repeat(120)), 0)).toThrow(/longer than 107 bytes.*shorter socket directory/);
  });

  it('a silent connector is dropped after the auth timeout', async () => {
    const logs: string[] = [];
    const listener = await listenForSuccessor({ kind: 'tcp', host: '127.0.0.1', port: 0 }, 2, security('t', logs), 1);
    cleanups.push(listener.close);
    const address = listener.address as { port: number };
    const socket = net.connect({ host: '127.0.0.1', port: address.port });
    socket.resume();
    cleanups.push(() => socket.destroy());
    await new Promise((resolve) => socket.once('close', resolve));
    expect(logs.join('\n')).toMatch(/did not authenticate within 500 ms/);
  });

  it('describes addresses for messages', () => {
    expect(describeAddress({ kind: 'unix', path: '/tmp/a.sock' })).toBe('unix:/tmp/a.sock');
    expect(describeAddress({ kind: 'tcp', host: '10.0.0.1', port: 29500 })).toBe('10.0.0.1:29500');
  });
});
