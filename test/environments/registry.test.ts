import { describe, expect, it } from 'vitest';
import { describeEnvironments, detectEnvironment, environmentNames, registerEnvironment, validateAgainstFlags } from '../../src/environments/registry.js';
import { userErrorOf } from '../helpers/user-error.js';

const torchrun = { RANK: '1', WORLD_SIZE: '2', LOCAL_RANK: '1', LOCAL_WORLD_SIZE: '2', GROUP_RANK: '0', MASTER_ADDR: 'a', MASTER_PORT: '29500' };
const slurm = {
  SLURM_JOB_ID: '42',
  SLURM_JOB_NAME: 'train',
  SLURM_NTASKS: '4',
  SLURM_PROCID: '3',
  SLURM_LOCALID: '1',
  SLURM_NODEID: '1',
  SLURM_NNODES: '2',
  SLURM_TASKS_PER_NODE: '2(x2)',
  SLURM_NODELIST: 'n[1-2]',
};
const lsf = { LSB_JOBID: '7', LSB_DJOB_RANKFILE: '/nonexistent/rankfile', JSM_NAMESPACE_SIZE: '2', JSM_NAMESPACE_RANK: '0', JSM_NAMESPACE_LOCAL_RANK: '0' };
const openMpi = { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_LOCAL_RANK: '1', OMPI_COMM_WORLD_LOCAL_SIZE: '2', OMPI_MCA_ess_base_jobid: '99' };

describe('detectEnvironment: detection order', () => {
  it('is local with nothing set, spawning its own ranks', () => {
    expect(detectEnvironment({})).toMatchObject({ name: 'local', externallyLaunched: false, launchedBy: 'fabric', worldSize: 1, mainAddress: '127.0.0.1' });
  });

  it('finds each environment on its own', () => {
    expect(detectEnvironment(torchrun).name).toBe('torchelastic');
    expect(detectEnvironment(slurm).name).toBe('slurm');
    expect(detectEnvironment(openMpi).name).toBe('mpi');
    // LSF is detected before its rank file is read, so a missing file is reported, not skipped.
    expect(userErrorOf(() => detectEnvironment(lsf))).toContain('/nonexistent/rankfile');
  });

  it('orders torchelastic > slurm > lsf > mpi when several sets coexist', () => {
    expect(detectEnvironment({ ...slurm, ...openMpi, ...torchrun }).name).toBe('torchelastic');
    const slurmAndMpiAgree = { ...slurm, OMPI_COMM_WORLD_RANK: '3', OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_LOCAL_RANK: '1', OMPI_COMM_WORLD_LOCAL_SIZE: '2' };
    expect(detectEnvironment({ ...slurmAndMpiAgree, ...lsf }).name).toBe('slurm');
    expect(userErrorOf(() => detectEnvironment({ ...lsf, ...openMpi }))).toContain('LSB_DJOB_RANKFILE');
  });

  it('picks MPI over SLURM when mpirun inside the job numbered this process differently', () => {
    // mpirun starts one srun task per node, so SLURM_PROCID is the node's, not the rank's.
    const mpirunInSbatch = { ...slurm, SLURM_PROCID: '1', SLURM_NTASKS: '2', ...openMpi, OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_RANK: '3', MASTER_ADDR: 'n1' };
    expect(detectEnvironment(mpirunInSbatch)).toMatchObject({ name: 'mpi', globalRank: 3, worldSize: 4 });
  });

  it('skips SLURM in an interactive allocation', () => {
    expect(detectEnvironment({ ...slurm, SLURM_JOB_NAME: 'interactive' }).name).toBe('local');
  });

  it("treats our own launcher's children as local even under a cluster", () => {
    const child = { ...slurm, ...torchrun, FABRIC_CLI: '1', FABRIC_LAUNCHED_BY: 'fabric', NODE_RANK: '0' };
    expect(detectEnvironment(child)).toMatchObject({ name: 'local', externallyLaunched: false, globalRank: 1, worldSize: 2 });
    expect(detectEnvironment({ ...torchrun, FABRIC_LAUNCHED_BY: 'fabric' }).name).toBe('local');
  });

  it('refuses RANK / WORLD_SIZE that no known launcher explains', () => {
    const message = userErrorOf(() => detectEnvironment({ RANK: '1', WORLD_SIZE: '4', MASTER_ADDR: 'm', MASTER_PORT: '1' }));
    expect(message).toContain('RANK=1 and WORLD_SIZE=4 are set, but LOCAL_RANK is not');
    expect(message).toContain('FABRIC_CLUSTER_ENVIRONMENT=kubeflow');
  });

  it('passes flags to the environment and lets them win in local mode', () => {
    expect(detectEnvironment({ MASTER_ADDR: 'env' }, { mainAddress: 'flag', mainPort: 1234 })).toMatchObject({ mainAddress: 'flag', mainPort: 1234 });
    expect(detectEnvironment(slurm, { mainPort: 1234 }).mainPort).toBe(1234);
  });
});

describe('detectEnvironment: forced choice', () => {
  const pod = { MASTER_ADDR: 'm', MASTER_PORT: '23456', WORLD_SIZE: '2', RANK: '1' };

  it('takes FABRIC_CLUSTER_ENVIRONMENT, and options.explicit over it', () => {
    expect(detectEnvironment({ ...pod, FABRIC_CLUSTER_ENVIRONMENT: 'kubeflow' })).toMatchObject({ name: 'kubeflow', globalRank: 1, nodeRank: 1 });
    expect(detectEnvironment(pod, { explicit: 'kubeflow' }).name).toBe('kubeflow');
    expect(detectEnvironment({ ...slurm, FABRIC_CLUSTER_ENVIRONMENT: 'slurm' }, { explicit: 'local' }).name).toBe('local');
    expect(detectEnvironment({ ...slurm, SLURM_JOB_NAME: 'bash', FABRIC_CLUSTER_ENVIRONMENT: 'SLURM' }).name).toBe('slurm');
  });

  it("accepts 'auto' and aliases", () => {
    expect(detectEnvironment({ ...slurm, FABRIC_CLUSTER_ENVIRONMENT: 'auto' }).name).toBe('slurm');
    expect(detectEnvironment({ ...torchrun, FABRIC_CLUSTER_ENVIRONMENT: 'torchrun' }).name).toBe('torchelastic');
  });

  it('forcing local under an external launcher lets fabric spawn the ranks', () => {
    expect(detectEnvironment({ ...slurm, FABRIC_CLUSTER_ENVIRONMENT: 'local' })).toMatchObject({ name: 'local', externallyLaunched: false });
  });

  it('rejects an unknown name with a suggestion and the list', () => {
    const message = userErrorOf(() => detectEnvironment({ FABRIC_CLUSTER_ENVIRONMENT: 'slrum' }));
    expect(message).toContain('FABRIC_CLUSTER_ENVIRONMENT=slrum is not a cluster environment');
    expect(message).toContain("Did you mean 'slurm'?");
    expect(message).toContain('torchelastic, slurm, lsf, mpi, kubeflow, local');
    expect(userErrorOf(() => detectEnvironment({}, { explicit: 'kubeflo' }))).toContain("cluster environment 'kubeflo' is not a cluster environment Fabric knows. Did you mean 'kubeflow'?");
    expect(userErrorOf(() => detectEnvironment({}, { explicit: 'zzzzzzzz' }))).not.toContain('Did you mean');
  });

  it('says how the environment was chosen when its variables are missing', () => {
    const message = userErrorOf(() => detectEnvironment({ FABRIC_CLUSTER_ENVIRONMENT: 'slurm' }));
    expect(message).toContain('SLURM_NTASKS');
    expect(message).toContain("chosen by FABRIC_CLUSTER_ENVIRONMENT=slurm; choose 'auto'");
  });
});

describe('registry', () => {
  it('lists the environments in detection order with descriptions', () => {
    expect(environmentNames()).toEqual(['torchelastic', 'slurm', 'lsf', 'mpi', 'kubeflow', 'local']);
    expect(describeEnvironments().every((entry) => entry.description.length > 0)).toBe(true);
  });

  it('refuses a duplicate name', () => {
    expect(() => registerEnvironment('slurm', () => detectEnvironment({}), 'again')).toThrow("named 'slurm' is already registered");
  });

  it('re-exports validateAgainstFlags', () => {
    expect(() => validateAgainstFlags(detectEnvironment(slurm), { devices: 2, numNodes: 2 })).not.toThrow();
  });
});
