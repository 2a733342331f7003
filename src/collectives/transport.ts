/**
 * Ring links. Each rank listens for its successor and connects to its predecessor, so that the bytes a rank
 * receives arrive on a socket it created itself: only those accept Node's `onread` option, which lets the
 * kernel read straight into their destination. Same host: Unix domain socket (removed as soon as the peer
 * is in); other hosts: TCP with Nagle off. Both ends authenticate; impostors are refused and logged.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { acceptHandshake, AUTH_TIMEOUT_MS, offerHandshake, type PeerIdentity } from './auth.js';
import { ByteReceiver } from './byte-receiver.js';
import { AuthError } from './errors.js';
import { describePeer, RefusalLog } from './refusal-log.js';
import { withTimeout } from './timeouts.js';

export type PeerAddress = { kind: 'unix'; path: string } | { kind: 'tcp'; host: string; port: number };

export interface LinkSecurity {
  token: string | null;
  authTimeoutMs?: number;
  log: (message: string) => void;
}

/** Longest sun_path Linux accepts, minus the terminating zero. */
const MAX_UNIX_PATH = 107;

export function unixSocketPath(socketDir: string, rank: number): string {
  const file = path.join(socketDir, `fabric-${process.pid}-${randomBytes(4).toString('hex')}-r${rank}.sock`);
  if (Buffer.byteLength(file) > MAX_UNIX_PATH) {
    throw new FabricUserError(`The Unix socket path ${file} is longer than ${MAX_UNIX_PATH} bytes, the limit of the operating system. Choose a shorter socket directory (socketDir, e.g. /tmp).`);
  }
  return file;
}

export interface SuccessorListener {
  address: PeerAddress;
  /** The authenticated socket of `expectedRank`; the listener closes (and its socket file goes) once it is in. */
  accepted: Promise<{ socket: net.Socket; receiver: ByteReceiver }>;
  close(): void;
}

/** Listens on `address` (a Unix path, or a TCP host with port 0) for the one rank allowed in. */
export function listenForSuccessor(address: PeerAddress, expectedRank: number, security: LinkSecurity, ownRank: number): Promise<SuccessorListener> {
  const refusals = new RefusalLog(security.log, `rank ${ownRank}'s ring listener`);
  const authTimeoutMs = security.authTimeoutMs ?? AUTH_TIMEOUT_MS;
  let done = false;
  let resolveAccepted!: (link: { socket: net.Socket; receiver: ByteReceiver }) => void;
  let rejectAccepted!: (error: Error) => void;
  const accepted = new Promise<{ socket: net.Socket; receiver: ByteReceiver }>((resolve, reject) => {
    resolveAccepted = resolve;
    rejectAccepted = reject;
  });
  accepted.catch(() => {});
  const server = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    if (done) return void socket.destroy();
    const peer = address.kind === 'unix' ? 'a local process' : describePeer(socket);
    const receiver = new ByteReceiver().attach(socket);
    const refuse = (identity: PeerIdentity) => {
      if (done) return `rank ${expectedRank} is already connected`;
      return identity.role === 'ring' && identity.rank === expectedRank ? null : `it is ${identity.role} rank ${identity.rank}, not ring rank ${expectedRank}`;
    };
    withTimeout(acceptHandshake({ read: (n) => receiver.read(n), write: (bytes) => void socket.write(bytes) }, security.token, refuse), authTimeoutMs, () => socket.destroy()).then(
      () => {
        if (done) return void socket.destroy();
        done = true;
        receiver.expectNothing();
        close();
        resolveAccepted({ socket, receiver });
      },
      (error: unknown) => {
        refusals.refuse(peer, error instanceof AuthError ? error.reason : `it did not authenticate within ${authTimeoutMs} ms`);
        socket.destroy();
      },
    );
  });
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    server.close();
    if (address.kind === 'unix') fs.rmSync(address.path, { force: true });
    if (!done) {
      done = true;
      rejectAccepted(new Error('the ring listener closed before the successor connected'));
    }
  };
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const options = address.kind === 'unix' ? { path: address.path } : { host: address.host, port: address.port };
    server.listen(options, () => {
      server.removeListener('error', reject);
      server.on('error', (error) => security.log(`rank ${ownRank}'s ring listener: ${error.message}`));
      if (address.kind === 'unix') fs.chmodSync(address.path, 0o600);
      const bound = address.kind === 'unix' ? address : { ...address, port: (server.address() as net.AddressInfo).port };
      resolve({ address: bound, accepted, close });
    });
  });
}

/** Connects to the predecessor's listener (retrying while it is not up yet) and authenticates as `rank`. */
export async function connectToPredecessor(
  address: PeerAddress,
  rank: number,
  security: LinkSecurity,
  deadline: number,
): Promise<{ socket: net.Socket; receiver: ByteReceiver }> {
  let delay = 20;
  for (;;) {
    const receiver = new ByteReceiver();
    const onread = receiver.onreadOption();
    const target = address.kind === 'unix' ? { path: address.path, onread } : { host: address.host, port: address.port, onread, noDelay: true };
    const socket = net.connect(target);
    receiver.attach(socket);
    const outcome = await new Promise<Error | null>((resolve) => {
      socket.once('connect', () => resolve(null));
      socket.once('error', resolve);
    });
    if (!outcome) {
      socket.on('error', () => {});
      try {
        await withTimeout(offerHandshake({ read: (n) => receiver.read(n), write: (bytes) => void socket.write(bytes) }, security.token, { role: 'ring', rank }), security.authTimeoutMs ?? AUTH_TIMEOUT_MS, () => socket.destroy());
        return { socket, receiver };
      } catch (error) {
        socket.destroy();
        const reason = error instanceof AuthError ? error.reason : 'the handshake timed out';
        throw new FabricUserError(`Rank ${rank} could not open its ring link to ${describeAddress(address)}: ${reason}. All ranks must use the same token.`);
      }
    }
    socket.destroy();
    const code = (outcome as NodeJS.ErrnoException).code ?? '';
    if (!['ECONNREFUSED', 'ENOENT', 'ECONNRESET', 'EAGAIN'].includes(code) || Date.now() + delay >= deadline) {
      throw new FabricUserError(`Rank ${rank} could not connect to its ring predecessor at ${describeAddress(address)}: ${outcome.message}.`);
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(500, delay * 2);
  }
}

export function describeAddress(address: PeerAddress): string {
  return address.kind === 'unix' ? `unix:${address.path}` : `${address.host}:${address.port}`;
}
