import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteReceiver } from '../../src/collectives/byte-receiver.js';
import { OpRun } from '../../src/collectives/op-run.js';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).forEach((cleanup) => cleanup()));

/** `run` sends on `sender` and receives through `receiver`; `peer` is the other end of both. */
async function setup() {
  const listener = net.createServer();
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => listener.once('connection', resolve));
  const receiver = new ByteReceiver();
  const socket = net.connect({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port, onread: receiver.onreadOption() });
  receiver.attach(socket);
  const peer = await accepted;
  const peerWrites: Buffer[] = [];
  const writeSpy = socket.write.bind(socket);
  socket.write = ((chunk: Uint8Array, callback?: (error?: Error | null) => void) => {
    peerWrites.push(Buffer.from(chunk));
    return writeSpy(chunk, callback);
  }) as typeof socket.write;
  cleanups.push(() => {
    socket.destroy();
    peer.destroy();
    listener.close();
  });
  const writeErrors: Error[] = [];
  return { run: new OpRun(receiver, socket, (error) => writeErrors.push(error)), peer, socket, peerWrites, writeErrors };
}

describe('OpRun', () => {
  it('settles once every receive has landed and every write has left', async () => {
    const { run, peer } = await setup();
    let landed = false;
    run.expect(new Uint8Array(3), () => (landed = true));
    run.send(new Uint8Array([1, 2]));
    run.finishIssuing();
    const echoed = new Promise<Buffer>((resolve) => peer.once('data', resolve));
    peer.write(Buffer.from('abc'));
    await run.done;
    expect(landed).toBe(true);
    expect([...(await echoed)]).toEqual([1, 2]);
  });

  it('joins small writes of one tick into one write and sends large ones as they are', async () => {
    const { run, peerWrites } = await setup();
    const large = new Uint8Array(100_000).fill(7);
    run.send(new Uint8Array([1]));
    run.send(new Uint8Array([2, 3]));
    run.send(large);
    run.send(new Uint8Array([4]));
    run.finishIssuing();
    await run.done;
    expect(peerWrites.map((chunk) => chunk.length)).toEqual([3, 100_000, 1]);
    expect(peerWrites[1].buffer === large.buffer || peerWrites[1].equals(Buffer.from(large))).toBe(true);
  });

  it('does not settle while frozen, and fail() rejects it', async () => {
    const { run } = await setup();
    run.freeze();
    run.finishIssuing();
    const outcome = await Promise.race([run.done.then(() => 'resolved'), new Promise((resolve) => setTimeout(() => resolve('pending'), 50))]);
    expect(outcome).toBe('pending');
    run.fail(new Error('timed out'));
    await expect(run.done).rejects.toThrow('timed out');
    expect(run.failed).toBe(true);
  });

  it('reports failed writes to its owner', async () => {
    const { run, socket, writeErrors } = await setup();
    socket.destroy();
    run.send(new Uint8Array(200_000));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(writeErrors.length).toBeGreaterThan(0);
  });
});
