/** A store server and clients for the store tests, closed after each test of the file that imports this. */
import { afterEach } from 'vitest';
import { RemoteStoreClient } from '../../src/collectives/store-client.js';
import { StoreServer } from '../../src/collectives/store-server.js';

export const TOKEN = 'store-test-token';
const cleanups: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Registers something to close after the current test. */
export function closeAfterTest(cleanup: () => Promise<unknown> | unknown): void {
  cleanups.push(cleanup);
}

export async function startServer(options: { authTimeoutMs?: number } = {}) {
  const logs: string[] = [];
  const server = await StoreServer.listen({ host: '127.0.0.1', port: 0, token: TOKEN, log: (line) => logs.push(line), ...options });
  cleanups.push(() => server.close());
  return { server, logs };
}

export async function client(port: number, rank = 1, token: string | null = TOKEN) {
  const store = await RemoteStoreClient.connect({ host: '127.0.0.1', port, token, rank, connectTimeoutMs: 2000 });
  cleanups.push(() => store.close());
  return store;
}
