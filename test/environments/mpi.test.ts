import { describe, expect, it } from 'vitest';
import { detectMpi, mpiEnvironment, mpiJobId, mpiRankAndSize } from '../../src/environments/mpi.js';
import { userErrorOf } from '../helpers/user-error.js';

/** Recorded from `mpirun -np 2` (Open MPI 4.1, Debian), rank 1; only the variables that matter. */
const openMpi = {
  OMPI_COMM_WORLD_RANK: '1',
  OMPI_COMM_WORLD_SIZE: '2',
  OMPI_COMM_WORLD_LOCAL_RANK: '1',
  OMPI_COMM_WORLD_LOCAL_SIZE: '2',
  OMPI_COMM_WORLD_NODE_RANK: '1',
  OMPI_MCA_ess_base_jobid: '730267649',
  OMPI_MCA_orte_hnp_uri: '730267648.0;tcp://192.0.2.2:57451;tcp6://[fd00::2]:34499',
  OMPI_MCA_orte_num_nodes: '1',
  PMIX_NAMESPACE: '730267649',
  PMIX_RANK: '1',
};

/** Rank 5 of `mpiexec -n 8 -ppn 4` under MPICH's Hydra: second node, second rank there. */
const hydra = { PMI_RANK: '5', PMI_SIZE: '8', MPI_LOCALRANKID: '1', MPI_LOCALNRANKS: '4', PMI_FD: '6' };

describe('detectMpi / mpiRankAndSize', () => {
  it('recognises Open MPI and MPICH', () => {
    expect(detectMpi(openMpi)).toBe(true);
    expect(detectMpi(hydra)).toBe(true);
    expect(detectMpi({ PMI_RANK: '0' })).toBe(false);
    expect(mpiRankAndSize(openMpi)).toEqual({ rank: 1, size: 2 });
    expect(mpiRankAndSize(hydra)).toEqual({ rank: 5, size: 8 });
    expect(mpiRankAndSize({})).toBeUndefined();
    expect(mpiRankAndSize({ PMI_RANK: 'x', PMI_SIZE: '2' })).toBeUndefined();
  });
});

describe('mpiJobId', () => {
  it("reads Open MPI 4's job id, then its HNP URI, then the PMIx namespace", () => {
    expect(mpiJobId(openMpi)).toBe('730267649');
    expect(mpiJobId({ OMPI_MCA_orte_hnp_uri: '730267648.0;tcp://10.0.0.1:1' })).toBe('730267648');
    expect(mpiJobId({ PMIX_NAMESPACE: 'prterun-host-42@1' })).toBe('prterun-host-42@1');
    expect(mpiJobId(hydra)).toBeUndefined();
  });
});

describe('mpiEnvironment', () => {
  it('reads an Open MPI rank and derives one port for the whole job', () => {
    const detected = mpiEnvironment(openMpi);
    expect(detected).toMatchObject({
      name: 'mpi',
      externallyLaunched: true,
      launchedBy: 'mpirun',
      worldSize: 2,
      globalRank: 1,
      localRank: 1,
      mainAddress: '127.0.0.1',
      mainPort: 20000 + (730267649 % 10000),
    });
    expect(mpiEnvironment({ ...openMpi, OMPI_COMM_WORLD_RANK: '0', OMPI_COMM_WORLD_LOCAL_RANK: '0' }).mainPort).toBe(detected.mainPort);
  });

  it('does not take OMPI_COMM_WORLD_NODE_RANK for the node index (it counts processes on the node)', () => {
    expect(mpiEnvironment(openMpi).nodeRank).toBe(0);
  });

  it('computes the node rank as rank / local size, and OMPI_COMM_WORLD_NODE_RANK may be missing', () => {
    const { OMPI_COMM_WORLD_NODE_RANK: _, ...twoNodes } = {
      ...openMpi,
      OMPI_COMM_WORLD_SIZE: '4',
      OMPI_COMM_WORLD_RANK: '3',
      OMPI_MCA_orte_num_nodes: '2',
      MASTER_ADDR: 'n1',
    };
    expect(mpiEnvironment(twoNodes)).toMatchObject({ nodeRank: 1, localRank: 1, mainAddress: 'n1' });
  });

  it('reads MPICH / Hydra variables, with PMI_LOCAL_* as a fallback', () => {
    const detected = mpiEnvironment({ ...hydra, MASTER_ADDR: 'n0', MASTER_PORT: '29500' });
    expect(detected).toMatchObject({ worldSize: 8, globalRank: 5, localRank: 1, nodeRank: 1, mainAddress: 'n0', mainPort: 29500 });
    expect(detected.counts.perNode!.fix!(2)).toBe('`mpirun -ppn 2`');
    const pals = { PMI_RANK: '2', PMI_SIZE: '4', PMI_LOCAL_RANK: '0', PMI_LOCAL_SIZE: '2' };
    expect(mpiEnvironment(pals, { mainAddress: 'n0', mainPort: 1 })).toMatchObject({ localRank: 0, nodeRank: 1 });
  });

  it('needs a main address for several nodes and a port when MPI exposes no job id', () => {
    const address = userErrorOf(() => mpiEnvironment(hydra, { mainPort: 2000 }));
    expect(address).toContain('mpirun started 8 ranks on 2 nodes');
    expect(address).toContain('--main-address');
    const port = userErrorOf(() => mpiEnvironment(hydra, { mainAddress: 'n0' }));
    expect(port).toContain('MPICH does not expose a job id');
    expect(port).toContain('--main-port');
    expect(mpiEnvironment(hydra, { mainAddress: 'n0', mainPort: 2000 })).toMatchObject({ mainAddress: 'n0', mainPort: 2000 });
  });

  it('lets the flags win over MASTER_ADDR / MASTER_PORT and the job id', () => {
    expect(mpiEnvironment({ ...openMpi, MASTER_PORT: '1000' }, { mainPort: 3000, mainAddress: 'a' })).toMatchObject({ mainPort: 3000, mainAddress: 'a' });
    expect(mpiEnvironment({ ...openMpi, MASTER_PORT: '1000' }).mainPort).toBe(1000);
  });

  it('reports counts and names a missing local rank', () => {
    const { counts } = mpiEnvironment(openMpi);
    expect(counts.perNode).toMatchObject({ value: 2, shownAs: 'OMPI_COMM_WORLD_LOCAL_SIZE=2' });
    expect(counts.perNode!.fix!(4)).toBe('`mpirun --npernode 4`');
    expect(counts.nodes).toMatchObject({ value: 1 });
    expect(counts.world).toMatchObject({ value: 2, shownAs: 'OMPI_COMM_WORLD_SIZE=2' });
    const { MPI_LOCALRANKID: _, ...noLocal } = hydra;
    expect(userErrorOf(() => mpiEnvironment(noLocal))).toContain('None of MPI_LOCALRANKID, PMI_LOCAL_RANK is set');
  });

  it('rejects a rank outside the world', () => {
    expect(userErrorOf(() => mpiEnvironment({ ...openMpi, OMPI_COMM_WORLD_RANK: '2' }))).toContain('OMPI_COMM_WORLD_RANK=2 is not below OMPI_COMM_WORLD_SIZE=2');
  });
});
