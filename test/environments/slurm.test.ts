import { describe, expect, it } from 'vitest';
import { detectSlurm, parseTasksPerNode, slurmEnvironment } from '../../src/environments/slurm.js';
import { userErrorOf } from '../helpers/user-error.js';

/** Task 5 of `srun` in `sbatch --nodes=3 --ntasks-per-node=2`: the second task on the third node. */
const srun = {
  SLURM_JOB_ID: '1234567',
  SLURM_JOB_NAME: 'train',
  SLURM_NTASKS: '6',
  SLURM_PROCID: '5',
  SLURM_LOCALID: '1',
  SLURM_NODEID: '2',
  SLURM_NNODES: '3',
  SLURM_NTASKS_PER_NODE: '2',
  SLURM_TASKS_PER_NODE: '2(x3)',
  SLURM_NODELIST: 'node[001-003]',
  SLURM_JOB_NODELIST: 'node[001-003]',
};

describe('detectSlurm', () => {
  it('is active for srun tasks', () => {
    expect(detectSlurm(srun)).toBe(true);
  });

  it('stays out of interactive allocations, where the user starts processes', () => {
    expect(detectSlurm({ ...srun, SLURM_JOB_NAME: 'bash' })).toBe(false);
    expect(detectSlurm({ ...srun, SLURM_JOB_NAME: 'interactive' })).toBe(false);
  });

  it('needs both SLURM_NTASKS and SLURM_PROCID', () => {
    const { SLURM_PROCID: _p, ...noProcId } = srun;
    const { SLURM_NTASKS: _n, ...noTasks } = srun;
    expect(detectSlurm(noProcId)).toBe(false);
    expect(detectSlurm(noTasks)).toBe(false);
  });
});

describe('parseTasksPerNode', () => {
  it("reads SLURM's compressed lists", () => {
    expect(parseTasksPerNode('4', 'V')).toEqual([4]);
    expect(parseTasksPerNode('2(x3)', 'V')).toEqual([2, 2, 2]);
    expect(parseTasksPerNode('2,1', 'V')).toEqual([2, 1]);
    expect(parseTasksPerNode('4(x2),2', 'V')).toEqual([4, 4, 2]);
  });

  it('names the variable when the text is not a count list', () => {
    expect(userErrorOf(() => parseTasksPerNode('2(x)', 'SLURM_TASKS_PER_NODE'))).toContain("SLURM_TASKS_PER_NODE='2(x)' is not a SLURM task count");
  });
});

describe('slurmEnvironment', () => {
  it('reads ranks, sizes and node rank from srun, and task 0 lives on the first host', () => {
    expect(slurmEnvironment(srun)).toMatchObject({
      name: 'slurm',
      externallyLaunched: true,
      launchedBy: 'srun',
      worldSize: 6,
      globalRank: 5,
      localRank: 1,
      nodeRank: 2,
      mainAddress: 'node001',
      mainPort: 15000 + (1234567 % 5000),
    });
  });

  it('gives every task of a job the same port and different jobs different ports', () => {
    const ports = ['0', '1', '2'].map((rank) => slurmEnvironment({ ...srun, SLURM_PROCID: rank, SLURM_LOCALID: '0', SLURM_NODEID: rank }).mainPort);
    expect(new Set(ports).size).toBe(1);
    expect(slurmEnvironment({ ...srun, SLURM_JOB_ID: '1234568' }).mainPort).toBe(ports[0]! + 1);
  });

  it('lets MASTER_PORT / MASTER_ADDR and then the flags override the derived values', () => {
    expect(slurmEnvironment({ ...srun, MASTER_PORT: '29400', MASTER_ADDR: 'login1' })).toMatchObject({ mainPort: 29400, mainAddress: 'login1' });
    expect(slurmEnvironment({ ...srun, MASTER_PORT: '29400' }, { mainPort: 1111, mainAddress: 'x' })).toMatchObject({ mainPort: 1111, mainAddress: 'x' });
  });

  it("prefers the step's node list, then SLURM_NODELIST, then SLURM_JOB_NODELIST", () => {
    expect(slurmEnvironment({ ...srun, SLURM_STEP_NODELIST: 'gpu[07-08]' }).mainAddress).toBe('gpu07');
    const { SLURM_NODELIST: _, ...jobListOnly } = srun;
    expect(slurmEnvironment({ ...jobListOnly, SLURM_JOB_NODELIST: 'cpu-b[3,5]' }).mainAddress).toBe('cpu-b3');
  });

  it('reports per-node, node and total counts with the #SBATCH line to change', () => {
    const { counts } = slurmEnvironment(srun);
    expect(counts.perNode).toMatchObject({ value: 2, shownAs: 'SLURM_NTASKS_PER_NODE=2' });
    expect(counts.perNode!.fix!(4)).toBe('`#SBATCH --ntasks-per-node=4`');
    expect(counts.nodes).toMatchObject({ value: 3, shownAs: 'SLURM_NNODES=3' });
    expect(counts.nodes!.fix!(2)).toBe('`#SBATCH --nodes=2`');
    expect(counts.world).toMatchObject({ value: 6, shownAs: 'SLURM_NTASKS=6' });
  });

  it("counts this node's tasks from an uneven list", () => {
    const uneven = { ...srun, SLURM_NTASKS: '3', SLURM_PROCID: '2', SLURM_LOCALID: '0', SLURM_NODEID: '1', SLURM_NNODES: '2', SLURM_STEP_TASKS_PER_NODE: '2,1' };
    const { counts } = slurmEnvironment(uneven);
    expect(counts.perNode).toMatchObject({ value: 1, shownAs: "SLURM_STEP_TASKS_PER_NODE='2,1' (1 on node 1)" });
    const { SLURM_NTASKS_PER_NODE: _, ...tasksOnly } = srun;
    expect(slurmEnvironment(tasksOnly).counts.perNode).toMatchObject({ value: 2 });
  });

  it('rejects a local id beyond the tasks on this node, and a node id beyond the nodes', () => {
    expect(userErrorOf(() => slurmEnvironment({ ...srun, SLURM_LOCALID: '2' }))).toContain('SLURM_LOCALID=2 is not below SLURM_NTASKS_PER_NODE=2');
    expect(userErrorOf(() => slurmEnvironment({ ...srun, SLURM_NODEID: '3' }))).toContain('SLURM_NODEID=3 is not below SLURM_NNODES=3');
  });

  it('needs a node list for a multi-node job, and a job id or MASTER_PORT for several tasks', () => {
    const { SLURM_NODELIST: _a, SLURM_JOB_NODELIST: _b, ...noList } = srun;
    expect(userErrorOf(() => slurmEnvironment(noList))).toContain('SLURM_NODELIST is not set');
    expect(slurmEnvironment({ ...noList, SLURM_NNODES: '1', SLURM_NODEID: '0' }).mainAddress).toBe('127.0.0.1');
    const { SLURM_JOB_ID: _c, ...noJob } = srun;
    expect(userErrorOf(() => slurmEnvironment(noJob))).toContain('--main-port');
    expect(slurmEnvironment({ ...noJob, MASTER_PORT: '2222' }).mainPort).toBe(2222);
  });

  it('names the missing variable and says to use srun', () => {
    const { SLURM_LOCALID: _, ...noLocal } = srun;
    const message = userErrorOf(() => slurmEnvironment(noLocal));
    expect(message).toContain('SLURM_LOCALID is not set');
    expect(message).toContain('srun');
  });
});
