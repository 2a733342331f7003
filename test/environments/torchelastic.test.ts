import { describe, expect, it } from 'vitest';
import { detectTorchElastic, torchElasticEnvironment } from '../../src/environments/torchelastic.js';
import { userErrorOf } from '../helpers/user-error.js';

/** What torchrun --nnodes=2 --nproc-per-node=4 gives the second worker of node 1. */
const torchrun = {
  RANK: '5',
  WORLD_SIZE: '8',
  LOCAL_RANK: '1',
  LOCAL_WORLD_SIZE: '4',
  GROUP_RANK: '1',
  GROUP_WORLD_SIZE: '2',
  ROLE_RANK: '5',
  MASTER_ADDR: 'node-a',
  MASTER_PORT: '29500',
  TORCHELASTIC_RUN_ID: 'none',
};

describe('detectTorchElastic', () => {
  it('needs RANK, WORLD_SIZE and LOCAL_RANK', () => {
    expect(detectTorchElastic(torchrun)).toBe(true);
    expect(detectTorchElastic({ RANK: '0', WORLD_SIZE: '2' })).toBe(false);
    expect(detectTorchElastic({ RANK: '0', WORLD_SIZE: '2', LOCAL_RANK: '' })).toBe(false);
  });
});

describe('torchElasticEnvironment', () => {
  it("reads a torchrun worker's ranks, sizes and main address", () => {
    const detected = torchElasticEnvironment(torchrun);
    expect(detected).toMatchObject({
      name: 'torchelastic',
      externallyLaunched: true,
      launchedBy: 'torchrun',
      worldSize: 8,
      globalRank: 5,
      localRank: 1,
      nodeRank: 1,
      mainAddress: 'node-a',
      mainPort: 29500,
    });
    expect(detected.counts.perNode).toMatchObject({ value: 4, shownAs: 'LOCAL_WORLD_SIZE=4' });
    expect(detected.counts.nodes).toMatchObject({ value: 2, shownAs: 'GROUP_WORLD_SIZE=2' });
    expect(detected.counts.world).toMatchObject({ value: 8, shownAs: 'WORLD_SIZE=8' });
    expect(detected.counts.perNode!.fix!(2)).toBe('`torchrun --nproc-per-node=2`');
  });

  it('takes NODE_RANK when GROUP_RANK is absent, and computes it from LOCAL_WORLD_SIZE when both are', () => {
    const { GROUP_RANK: _, ...withoutGroup } = torchrun;
    expect(torchElasticEnvironment({ ...withoutGroup, NODE_RANK: '1' }).nodeRank).toBe(1);
    expect(torchElasticEnvironment({ ...withoutGroup, RANK: '6' }).nodeRank).toBe(1);
    expect(torchElasticEnvironment({ ...withoutGroup, RANK: '3', LOCAL_RANK: '3' }).nodeRank).toBe(0);
  });

  it("moves one port up when torchrun's agent serves its own store on MASTER_PORT", () => {
    expect(torchElasticEnvironment({ ...torchrun, TORCHELASTIC_USE_AGENT_STORE: 'True' }).mainPort).toBe(29501);
    expect(torchElasticEnvironment({ ...torchrun, TORCHELASTIC_USE_AGENT_STORE: 'True', MASTER_PORT: '65535' }).mainPort).toBe(65534);
    expect(torchElasticEnvironment({ ...torchrun, TORCHELASTIC_USE_AGENT_STORE: 'False' }).mainPort).toBe(29500);
    // An explicit --main-port is taken as given.
    expect(torchElasticEnvironment({ ...torchrun, TORCHELASTIC_USE_AGENT_STORE: 'True' }, { mainPort: 4000 }).mainPort).toBe(4000);
  });

  it('lets --main-address and --main-port win over MASTER_ADDR and MASTER_PORT', () => {
    expect(torchElasticEnvironment(torchrun, { mainAddress: 'other', mainPort: 1234 })).toMatchObject({ mainAddress: 'other', mainPort: 1234 });
  });

  it('defaults the address to 127.0.0.1 only on a single node', () => {
    const single = { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', MASTER_PORT: '29500' };
    expect(torchElasticEnvironment(single).mainAddress).toBe('127.0.0.1');
    const { MASTER_ADDR: _, ...noAddress } = torchrun;
    const message = userErrorOf(() => torchElasticEnvironment(noAddress));
    expect(message).toContain('MASTER_ADDR is not set');
    expect(message).toContain('--main-address');
  });

  it('needs MASTER_PORT when there is more than one process', () => {
    const { MASTER_PORT: _, ...noPort } = torchrun;
    expect(userErrorOf(() => torchElasticEnvironment(noPort))).toContain('MASTER_PORT is not set, so the 8 processes');
    expect(torchElasticEnvironment({ RANK: '0', WORLD_SIZE: '1', LOCAL_RANK: '0' }).mainPort).toBeUndefined();
  });

  it('rejects ranks outside their sizes', () => {
    expect(userErrorOf(() => torchElasticEnvironment({ ...torchrun, RANK: '8' }))).toContain('RANK=8 is not below WORLD_SIZE=8');
    expect(userErrorOf(() => torchElasticEnvironment({ ...torchrun, LOCAL_RANK: '4' }))).toContain('LOCAL_RANK=4 is not below LOCAL_WORLD_SIZE=4');
    expect(userErrorOf(() => torchElasticEnvironment({ RANK: '0', LOCAL_RANK: '0' }))).toContain('WORLD_SIZE is not set');
  });
});
