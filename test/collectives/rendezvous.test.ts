import { afterEach, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { isCollectiveError } from '../../src/collectives/errors.js';
import { ProcessGroup, type ProcessGroupOptions } from '../../src/collectives/process-group.js';
import { freePort } from './helpers.js';

const groups: ProcessGroup[] = [];
afterEach(async () => {
  await Promise.all(groups.splice(0).map((group) => group.close()));
});

async function join(port: number, rank: number, worldSize: number, extra: Partial<ProcessGroupOptions> = {}): Promise<ProcessGroup> {
  const group = await ProcessGroup.connect({ rank, worldSize, mainAddress: '127.0.0.1', mainPort: port, token: 'rdv', connectTimeoutMs: 3000, ...extra });
  groups.push(group);
  return group;
}

describe('rendezvous', () => {
  it('ranks may start in any order: rank 1 waits for rank 0 to come up', async () => {
    const port = await freePort();
    const late = join(port, 1, 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [r0, r1] = await Promise.all([join(port, 0, 2), late]);
    const [a, b] = await Promise.all([r0.allReduce(new Int32Array([1]), 'sum'), r1.allReduce(new Int32Array([2]), 'sum')]);
    expect([a[0], b[0]]).toEqual([3, 3]);
  });

  it('names the ranks that never joined when it times out', async () => {
    const port = await freePort();
    const outcomes = await Promise.allSettled([join(port, 0, 3, { connectTimeoutMs: 600 }), join(port, 1, 3, { connectTimeoutMs: 600 })]);
    const errors = outcomes.map((outcome) => (outcome as PromiseRejectedResult).reason as Error);
    for (const error of errors) expect(isCollectiveError(error) && error.kind).toBe('rendezvous');
    expect(errors[0].message).toMatch(/Rendezvous timed out after .* on rank 0 while waiting for .*; ranks that never joined: 2\./);
    expect(errors[1].message).toMatch(/Rendezvous (timed out after .* on rank 1 .*ranks that never joined: 2\.|failed on rank 1 .*rank 0 closed the store)/);
  });

  it('a rank with another token is refused with a message about the token', async () => {
    const port = await freePort();
    const logs: string[] = [];
    const zero = join(port, 0, 2, { log: (line) => logs.push(line), connectTimeoutMs: 1500 }).catch((error: unknown) => error);
    const error = await join(port, 1, 2, { token: 'other' }).catch((reason: unknown) => reason);
    expect(error).toBeInstanceOf(FabricUserError);
    expect((error as Error).message).toMatch(/Rank 1 could not join the rendezvous store at 127\.0\.0\.1:\d+: the server refused us \(a different token/);
    expect(logs.join('\n')).toMatch(/refused a connection from 127\.0\.0\.1:\d+: wrong token/);
    expect(await zero).toBeInstanceOf(Error);
  });

  it('two processes claiming the same rank is an error', async () => {
    const port = await freePort();
    const results = await Promise.allSettled([join(port, 0, 2), join(port, 1, 2), join(port, 1, 2, { connectTimeoutMs: 1000 })]);
    const duplicate = results.find((result) => result.status === 'rejected' && /Two processes joined the run as rank 1/.test(String(result.reason)));
    expect(duplicate).toBeDefined();
  });

  it('different world sizes are an error that names both', async () => {
    const port = await freePort();
    const results = await Promise.allSettled([join(port, 0, 2, { connectTimeoutMs: 1000 }), join(port, 1, 3, { connectTimeoutMs: 1000 })]);
    expect(String((results[0] as PromiseRejectedResult).reason)).toMatch(/Rank 0 was started with a world size of 2 but rank 1 with 3/);
    expect(results[1].status).toBe('rejected');
  });

  it('rank 0 reports a main port that is already in use', async () => {
    const port = await freePort();
    const blocker = (await import('node:net')).createServer().listen(port, '127.0.0.1');
    await new Promise((resolve) => blocker.once('listening', resolve));
    await expect(join(port, 0, 2)).rejects.toThrow(new RegExp(`127\\.0\\.0\\.1:${port}: the port is already in use`));
    blocker.close();
  });

  it('validates its options with messages that say what to pass', async () => {
    const base = { mainAddress: '127.0.0.1', mainPort: 1234, token: 'x' };
    await expect(ProcessGroup.connect({ ...base, rank: 2, worldSize: 2 })).rejects.toThrow(/rank must be an integer in 0..1/);
    await expect(ProcessGroup.connect({ ...base, rank: 0, worldSize: 0 })).rejects.toThrow(/world size must be a positive integer/);
    await expect(ProcessGroup.connect({ ...base, rank: 0, worldSize: 2, mainPort: 0 })).rejects.toThrow(/main port must be given/);
    await expect(ProcessGroup.connect({ ...base, rank: 0, worldSize: 1, token: '' })).rejects.toThrow(/non-empty string/);
    await expect(ProcessGroup.connect({ ...base, rank: 0, worldSize: 1, timeoutMs: 0 })).rejects.toThrow(/timeout must be positive/);
  });
});
