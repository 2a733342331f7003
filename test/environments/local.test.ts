import { describe, expect, it } from 'vitest';
import { isLaunchedByFabric, localEnvironment } from '../../src/environments/local.js';
import { userErrorOf } from '../helpers/user-error.js';

describe('localEnvironment', () => {
  it('is one process on one node when nothing is set', () => {
    expect(localEnvironment({})).toEqual({
      name: 'local',
      worldSize: 1,
      globalRank: 0,
      localRank: 0,
      nodeRank: 0,
      mainAddress: '127.0.0.1',
      mainPort: undefined,
    });
  });

  it("reads our launcher's variables", () => {
    const env = { WORLD_SIZE: '4', RANK: '3', LOCAL_RANK: '1', NODE_RANK: '1', MASTER_ADDR: '10.0.0.2', MASTER_PORT: '29500' };
    expect(localEnvironment(env)).toEqual({ name: 'local', worldSize: 4, globalRank: 3, localRank: 1, nodeRank: 1, mainAddress: '10.0.0.2', mainPort: 29500 });
  });

  it('treats an empty MASTER_PORT (the launcher picks one later) as unset', () => {
    expect(localEnvironment({ MASTER_PORT: '' }).mainPort).toBeUndefined();
  });

  it('rejects ranks outside the world', () => {
    expect(userErrorOf(() => localEnvironment({ WORLD_SIZE: '2', RANK: '2' }))).toContain('RANK=2 is not below WORLD_SIZE=2');
    expect(userErrorOf(() => localEnvironment({ WORLD_SIZE: '2', RANK: '1', LOCAL_RANK: '2' }))).toContain('LOCAL_RANK=2 is not below WORLD_SIZE=2');
    expect(userErrorOf(() => localEnvironment({ WORLD_SIZE: '0' }))).toContain('WORLD_SIZE=0');
  });

  it('rejects a local rank beyond the global rank', () => {
    const message = userErrorOf(() => localEnvironment({ WORLD_SIZE: '4', RANK: '0', LOCAL_RANK: '1' }));
    expect(message).toContain('LOCAL_RANK=1 is larger than RANK=0');
    expect(message).toContain('fabric run model');
  });

  it('names a malformed variable and a bad port', () => {
    expect(userErrorOf(() => localEnvironment({ RANK: 'one' }))).toContain("RANK='one' is not a whole number");
    expect(userErrorOf(() => localEnvironment({ MASTER_PORT: '70000' }))).toContain("MASTER_PORT='70000' is not a TCP port");
  });
});

describe('isLaunchedByFabric', () => {
  it('recognises either marker our launcher sets', () => {
    expect(isLaunchedByFabric({ FABRIC_LAUNCHED_BY: 'fabric' })).toBe(true);
    expect(isLaunchedByFabric({ FABRIC_CLI: '1' })).toBe(true);
    expect(isLaunchedByFabric({ FABRIC_LAUNCHED_BY: 'other', FABRIC_CLI: '0' })).toBe(false);
    expect(isLaunchedByFabric({})).toBe(false);
  });
});
