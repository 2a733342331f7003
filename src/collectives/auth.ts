/**
 * Mutual HMAC-SHA256 challenge-response that opens every connection (store and ring links).
 *
 *   server -> client   MAGIC | nonceS(32)
 *   client -> server   MAGIC | nonceC(32) | u16 identity length | identity JSON | HMAC(token, "client" | nonceS | nonceC | identity)
 *   server -> client   HMAC(token, "server" | nonceS | nonceC | identity)
 *
 * The client proves it knows the token for this server's fresh nonce (no replay), then the server proves it
 * for the client's nonce, so a stranger can neither join nor pose as rank 0. The token never travels.
 * A null token (an explicit --insecure run) keys the HMAC with nothing: same protocol, no secrecy.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { AuthError } from './errors.js';

const MAGIC = new TextEncoder().encode('FBAUTH01');
const NONCE_BYTES = 32;
const MAC_BYTES = 32;
const MAX_IDENTITY_BYTES = 1024;

/** Default time a peer has to complete the handshake before it is dropped. */
export const AUTH_TIMEOUT_MS = 5000;

/** Who is knocking: a rank talking to the store, or a rank opening its ring link. */
export interface PeerIdentity {
  role: 'store' | 'ring';
  rank: number;
}

/** The two things a handshake needs from a connection. */
export interface ByteChannel {
  read(length: number): Promise<Uint8Array>;
  write(bytes: Uint8Array): void;
}

function keyOf(token: string | null): Buffer {
  return Buffer.from(token ?? '', 'utf8');
}

function mac(token: string | null, label: 'client' | 'server', nonceServer: Uint8Array, nonceClient: Uint8Array, identity: Uint8Array): Buffer {
  return createHmac('sha256', keyOf(token)).update(label).update(nonceServer).update(nonceClient).update(identity).digest();
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function startsWithMagic(bytes: Uint8Array): boolean {
  return sameBytes(bytes.subarray(0, MAGIC.length), MAGIC);
}

function parseIdentity(bytes: Uint8Array): PeerIdentity | null {
  try {
    const value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
    if (typeof value !== 'object' || value === null) return null;
    const { role, rank } = value as Record<string, unknown>;
    if ((role !== 'store' && role !== 'ring') || !Number.isInteger(rank) || (rank as number) < 0) return null;
    return { role, rank: rank as number };
  } catch {
    return null;
  }
}

/** Checks the token at the given call site: empty strings are mistakes, null is an explicit opt-out. */
export function validateToken(token: string | null): void {
  if (token !== null && (typeof token !== 'string' || token.length === 0)) {
    throw new TypeError('The collectives token must be a non-empty string (or null for an explicit --insecure run).');
  }
}

/**
 * Server side: returns who the client is, or throws AuthError with the reason to log. `refuse` may turn
 * away a client that knows the token but is not who we wait for (before we prove anything to it).
 */
export async function acceptHandshake(channel: ByteChannel, token: string | null, refuse: (identity: PeerIdentity) => string | null = () => null): Promise<PeerIdentity> {
  const nonceServer = randomBytes(NONCE_BYTES);
  channel.write(Buffer.concat([MAGIC, nonceServer]));
  const hello = await channel.read(MAGIC.length + NONCE_BYTES + 2);
  if (!startsWithMagic(hello)) throw new AuthError('it does not speak the fabric protocol');
  const nonceClient = hello.subarray(MAGIC.length, MAGIC.length + NONCE_BYTES);
  const identityLength = Buffer.from(hello.buffer, hello.byteOffset, hello.length).readUInt16LE(MAGIC.length + NONCE_BYTES);
  if (identityLength === 0 || identityLength > MAX_IDENTITY_BYTES) throw new AuthError(`its hello announced a ${identityLength}-byte identity`);
  const rest = await channel.read(identityLength + MAC_BYTES);
  const identityBytes = rest.subarray(0, identityLength);
  if (!sameBytes(rest.subarray(identityLength), mac(token, 'client', nonceServer, nonceClient, identityBytes))) {
    throw new AuthError('wrong token');
  }
  const identity = parseIdentity(identityBytes);
  if (!identity) throw new AuthError('its identity is malformed');
  const refusal = refuse(identity);
  if (refusal) throw new AuthError(refusal);
  channel.write(mac(token, 'server', nonceServer, nonceClient, identityBytes));
  return identity;
}

/** Client side: proves who we are and checks that the server knows the token too. */
export async function offerHandshake(channel: ByteChannel, token: string | null, identity: PeerIdentity): Promise<void> {
  let hello: Uint8Array;
  try {
    hello = await channel.read(MAGIC.length + NONCE_BYTES);
  } catch {
    throw new AuthError('the server closed the connection before greeting us');
  }
  if (!startsWithMagic(hello)) throw new AuthError('the server does not speak the fabric protocol');
  const nonceServer = hello.subarray(MAGIC.length);
  const nonceClient = randomBytes(NONCE_BYTES);
  const identityBytes = Buffer.from(JSON.stringify(identity), 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16LE(identityBytes.length);
  channel.write(Buffer.concat([MAGIC, nonceClient, length, identityBytes, mac(token, 'client', nonceServer, nonceClient, identityBytes)]));
  let proof: Uint8Array;
  try {
    proof = await channel.read(MAC_BYTES);
  } catch {
    throw new AuthError('the server refused us (a different token, or we are not the rank it waits for)');
  }
  if (!sameBytes(proof, mac(token, 'server', nonceServer, nonceClient, identityBytes))) {
    throw new AuthError('the server could not prove that it knows the token');
  }
}
