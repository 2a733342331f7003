import { describe, expect, it } from 'vitest';
import { kubeflowEnvironment } from '../../src/environments/kubeflow.js';
import { slurmEnvironment } from '../../src/environments/slurm.js';
import { torchElasticEnvironment } from '../../src/environments/torchelastic.js';
import type { DetectedEnvironment } from '../../src/environments/environment.js';
import { validateAgainstFlags } from '../../src/environments/validate-counts.js';
import { userErrorOf } from '../helpers/user-error.js';

const srun = {
  SLURM_JOB_ID: '42',
  SLURM_NTASKS: '8',
  SLURM_PROCID: '0',
  SLURM_LOCALID: '0',
  SLURM_NODEID: '0',
  SLURM_NNODES: '2',
  SLURM_NTASKS_PER_NODE: '4',
  SLURM_NODELIST: 'n[1-2]',
};

describe('validateAgainstFlags', () => {
  it('accepts flags that describe the same run', () => {
    expect(() => validateAgainstFlags(slurmEnvironment(srun), { devices: 4, numNodes: 2 })).not.toThrow();
  });

  it('names both per-node numbers and the #SBATCH line to change', () => {
    const message = userErrorOf(() => validateAgainstFlags(slurmEnvironment(srun), { devices: 2, numNodes: 2 }));
    expect(message).toBe(
      'srun started 4 processes on this node (SLURM_NTASKS_PER_NODE=4), but --devices=2 asks for 2 per node. Each process the cluster starts is one rank, so the two must agree: set `#SBATCH --ntasks-per-node=2` or run with --devices=4.',
    );
  });

  it('names both node counts', () => {
    const message = userErrorOf(() => validateAgainstFlags(slurmEnvironment(srun), { devices: 4, numNodes: 1 }));
    expect(message).toContain('srun runs this job on 2 nodes (SLURM_NNODES=2), but --num-nodes=1');
    expect(message).toContain('set `#SBATCH --nodes=1` or run with --num-nodes=2');
  });

  it('checks the total when the per-node count is unknown', () => {
    const { SLURM_NTASKS_PER_NODE: _, ...noPerNode } = srun;
    const message = userErrorOf(() => validateAgainstFlags(slurmEnvironment(noPerNode), { devices: 3, numNodes: 2 }));
    expect(message).toContain('srun started 8 processes in all (SLURM_NTASKS=8), but --devices=3 x --num-nodes=2 makes 6 ranks');
    expect(message).toContain('set `#SBATCH --ntasks=6` or run with --devices and --num-nodes whose product is 8');
  });

  it('catches uneven SLURM task lists through the total', () => {
    const uneven = { ...srun, SLURM_NTASKS: '3', SLURM_NTASKS_PER_NODE: '2,1' };
    expect(userErrorOf(() => validateAgainstFlags(slurmEnvironment(uneven), { devices: 2, numNodes: 2 }))).toContain('makes 4 ranks');
  });

  it('uses the launcher\'s own words for torchrun and offers no cluster fix where none exists', () => {
    const torch = torchElasticEnvironment({ RANK: '0', WORLD_SIZE: '2', LOCAL_RANK: '0', LOCAL_WORLD_SIZE: '2', MASTER_PORT: '1' });
    expect(userErrorOf(() => validateAgainstFlags(torch, { devices: 1, numNodes: 1 }))).toContain('set `torchrun --nproc-per-node=1` or run with --devices=2');
    const pod = kubeflowEnvironment({ MASTER_ADDR: 'm', MASTER_PORT: '1', WORLD_SIZE: '2', RANK: '0' });
    const message = userErrorOf(() => validateAgainstFlags(pod, { devices: 2, numNodes: 2 }));
    expect(message).toBe(
      'Kubeflow started 1 process on this node (one process per pod), but --devices=2 asks for 2 per node. Each process the cluster starts is one rank, so the two must agree: run with --devices=1.',
    );
  });

  it('checks nothing for our own launcher', () => {
    const local: DetectedEnvironment = { name: 'local', worldSize: 1, globalRank: 0, localRank: 0, nodeRank: 0, mainAddress: '127.0.0.1', mainPort: undefined, externallyLaunched: false, launchedBy: 'fabric', counts: {} };
    expect(() => validateAgainstFlags(local, { devices: 8, numNodes: 4 })).not.toThrow();
  });
});
