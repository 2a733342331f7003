import * as net from 'node:net';
import getPort from 'get-port';
import { FabricUserError } from '../errors.js';

/** A free TCP port on the main address (the launcher's default for --main-port). */
export function pickFreePort(host: string): Promise<number> {
  return getPort({ host });
}

/** Fails at once, naming the port and the flag, when something already listens on `port`. */
export async function assertPortFree(host: string, port: number, origin: string): Promise<void> {
  const free = await new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
  if (!free) {
    throw new FabricUserError(
      `Port ${port} on ${host} (from ${origin}) is already in use, so rank 0 cannot host the rendezvous there. Pick another port with --main-port, or leave it out to let tfjs-fabric choose a free one.`,
    );
  }
}
