import { describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { LocalStoreClient, RemoteStoreClient, StoreTimeoutError } from '../../src/collectives/store-client.js';
import { StoreServer } from '../../src/collectives/store-server.js';
import { KeyValueTable } from '../../src/collectives/store-table.js';
import { freePort } from './helpers.js';
import { client, closeAfterTest, startServer, TOKEN } from './store-fixtures.js';


describe('store server and clients', () => {
  it('set, get, add, delete and wait work across clients', async () => {
    const { server } = await startServer();
    const a = await client(server.port, 1);
    const b = await client(server.port, 2);
    const waited = b.wait(['x', 'y'], 2000);
    await a.set('x', { deep: [1, 2] });
    a.setNoWait('y', 'why');
    expect(await waited).toEqual([{ deep: [1, 2] }, 'why']);
    expect(await b.get('x')).toEqual({ deep: [1, 2] });
    expect(await b.get('missing')).toBeUndefined();
    expect(await a.add('count', 2)).toBe(2);
    expect(await b.add('count', 3)).toBe(5);
    await expect(a.add('x', 1)).rejects.toThrow(/store key 'x' is not a counter \(its value is of type object\)/);
    await b.delete('x');
    expect(await a.get('x')).toBeUndefined();
    expect(server.table.get('count')).toBe(5);
  });

  it('wait times out naming the keys that never appeared', async () => {
    const { server } = await startServer();
    const a = await client(server.port);
    await a.set('present', 1);
    const error = await a.wait(['present', 'absent'], 100).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(StoreTimeoutError);
    expect((error as StoreTimeoutError).keys).toEqual(['absent']);
  });

  it('the local client (rank 0) sees the same table', async () => {
    const table = new KeyValueTable();
    const local = new LocalStoreClient(table);
    const waited = local.wait(['k'], null);
    table.set('k', 7);
    expect(await waited).toEqual([7]);
    await expect(local.wait(['never'], 20)).rejects.toBeInstanceOf(StoreTimeoutError);
    const forever = local.wait(['never'], null);
    await local.close();
    await expect(forever).rejects.toThrow(/closed/);
  });

  it('a client keeps retrying while nobody listens yet', async () => {
    const port = await freePort();
    const connecting = RemoteStoreClient.connect({ host: '127.0.0.1', port, token: TOKEN, rank: 1, connectTimeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const server = await StoreServer.listen({ host: '127.0.0.1', port, token: TOKEN });
    closeAfterTest(() => server.close());
    const store = await connecting;
    closeAfterTest(() => store.close());
    await store.set('late', true);
    expect(server.table.get('late')).toBe(true);
  });

  it('a client gives up with a clear error when nobody listens', async () => {
    const port = await freePort();
    const error = await RemoteStoreClient.connect({ host: '127.0.0.1', port, token: TOKEN, rank: 3, connectTimeoutMs: 300 }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FabricUserError);
    expect((error as Error).message).toMatch(new RegExp(`Rank 3 could not reach the rendezvous store at 127.0.0.1:${port}.*nobody is listening`));
  });

  it('a port in use is a clear error naming it', async () => {
    const { server } = await startServer();
    const error = await StoreServer.listen({ host: '127.0.0.1', port: server.port, token: TOKEN }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FabricUserError);
    expect((error as Error).message).toContain(`127.0.0.1:${server.port}: the port is already in use`);
  });

  it('closing the server tells clients it was on purpose', async () => {
    const { server } = await startServer();
    const a = await client(server.port);
    const lost = new Promise<boolean>((resolve) => (a.onLost = resolve));
    await server.close();
    expect(await lost).toBe(true);
    await expect(a.get('x')).rejects.toThrow(/store was closed/);
  });
});
