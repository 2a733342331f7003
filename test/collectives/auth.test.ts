import { describe, expect, it } from 'vitest';
import { acceptHandshake, offerHandshake, validateToken, type ByteChannel } from '../../src/collectives/auth.js';
import { AuthError } from '../../src/collectives/errors.js';

/** Two in-memory channels wired to each other; `tap` sees every byte the client sends. */
function pipe(tap?: (bytes: Uint8Array) => Uint8Array): [ByteChannel, ByteChannel] {
  const make = () => ({ buffer: Buffer.alloc(0), waiters: [] as Array<() => void>, closed: false });
  const ends = [make(), make()];
  const channel = (mine: ReturnType<typeof make>, theirs: ReturnType<typeof make>, outgoing?: (bytes: Uint8Array) => Uint8Array): ByteChannel => ({
    write(bytes) {
      theirs.buffer = Buffer.concat([theirs.buffer, outgoing ? outgoing(bytes) : bytes]);
      for (const wake of theirs.waiters.splice(0)) wake();
    },
    async read(length) {
      while (mine.buffer.length < length) await new Promise<void>((resolve) => mine.waiters.push(resolve));
      const out = mine.buffer.subarray(0, length);
      mine.buffer = mine.buffer.subarray(length);
      return new Uint8Array(out);
    },
  });
  return [channel(ends[0], ends[1], tap), channel(ends[1], ends[0])];
}

describe('HMAC handshake', () => {
  it('with the same token both sides succeed and the server learns who connected', async () => {
    const [client, server] = pipe();
    const [identity] = await Promise.all([acceptHandshake(server, 'secret'), offerHandshake(client, 'secret', { role: 'ring', rank: 3 })]);
    expect(identity).toEqual({ role: 'ring', rank: 3 });
  });

  it('works without a token when both sides run --insecure', async () => {
    const [client, server] = pipe();
    const [identity] = await Promise.all([acceptHandshake(server, null), offerHandshake(client, null, { role: 'store', rank: 1 })]);
    expect(identity.rank).toBe(1);
  });

  it('the server refuses a client with a wrong token', async () => {
    const [client, server] = pipe();
    const accepted = acceptHandshake(server, 'secret');
    void offerHandshake(client, 'guess', { role: 'store', rank: 1 }).catch(() => {});
    await expect(accepted).rejects.toThrow(new AuthError('wrong token'));
  });

  it('a secure server refuses an insecure client and the other way round', async () => {
    const [client, server] = pipe();
    void offerHandshake(client, null, { role: 'store', rank: 1 }).catch(() => {});
    await expect(acceptHandshake(server, 'secret')).rejects.toThrow(/wrong token/);
  });

  it('the client refuses a server that cannot prove the token (an impostor replying garbage)', async () => {
    const [client, server] = pipe();
    const offered = offerHandshake(client, 'secret', { role: 'store', rank: 1 });
    server.write(Buffer.concat([Buffer.from('FBAUTH01'), Buffer.alloc(32, 1)]));
    const identityLength = JSON.stringify({ role: 'store', rank: 1 }).length;
    await server.read(8 + 32 + 2 + identityLength + 32);
    server.write(Buffer.alloc(32, 2));
    await expect(offered).rejects.toThrow(/could not prove that it knows the token/);
  });

  it('a tampered identity breaks the MAC', async () => {
    const [client, server] = pipe((bytes) => {
      const text = Buffer.from(bytes).toString('latin1');
      return text.includes('"rank":1') ? Buffer.from(text.replace('"rank":1', '"rank":0'), 'latin1') : bytes;
    });
    void offerHandshake(client, 'secret', { role: 'ring', rank: 1 }).catch(() => {});
    await expect(acceptHandshake(server, 'secret')).rejects.toThrow(/wrong token/);
  });

  it('rejects peers that do not speak the protocol or announce absurd identities', async () => {
    const [client, server] = pipe();
    const accepted = acceptHandshake(server, 'secret');
    await client.read(40);
    client.write(Buffer.from('GET / HTTP/1.1\r\nHost: example.org\r\nAccept: */*\r\n\r\n'));
    await expect(accepted).rejects.toThrow(/does not speak the fabric protocol/);

    const [client2, server2] = pipe();
    const accepted2 = acceptHandshake(server2, 'secret');
    await client2.read(40);
    const hello = Buffer.alloc(42);
    hello.write('FBAUTH01');
    hello.writeUInt16LE(60_000, 40);
    client2.write(hello);
    await expect(accepted2).rejects.toThrow(/announced a 60000-byte identity/);
  });

  it('validates tokens: non-empty string or null', () => {
    expect(() => validateToken('')).toThrow(/non-empty string/);
    expect(() => validateToken(null)).not.toThrow();
    expect(() => validateToken('x')).not.toThrow();
  });
});
