import { describe, expect, it } from 'vitest';
import { kubeflowEnvironment } from '../../src/environments/kubeflow.js';
import { userErrorOf } from '../helpers/user-error.js';

/** A PyTorchJob worker pod with 1 master + 3 workers. */
const pod = { MASTER_ADDR: 'job-master-0', MASTER_PORT: '23456', WORLD_SIZE: '4', RANK: '2', KUBERNETES_SERVICE_HOST: '10.96.0.1' };

describe('kubeflowEnvironment', () => {
  it('runs one process per pod: the pod is the node', () => {
    expect(kubeflowEnvironment(pod)).toMatchObject({
      name: 'kubeflow',
      externallyLaunched: true,
      worldSize: 4,
      globalRank: 2,
      localRank: 0,
      nodeRank: 2,
      mainAddress: 'job-master-0',
      mainPort: 23456,
    });
  });

  it('reports one process per pod and WORLD_SIZE pods', () => {
    const { counts } = kubeflowEnvironment(pod);
    expect(counts.perNode).toMatchObject({ value: 1 });
    expect(counts.perNode!.fix).toBeUndefined();
    expect(counts.nodes).toMatchObject({ value: 4 });
  });

  it('lets the flags win over MASTER_ADDR and MASTER_PORT', () => {
    expect(kubeflowEnvironment(pod, { mainAddress: 'x', mainPort: 1 })).toMatchObject({ mainAddress: 'x', mainPort: 1 });
  });

  it('names what the operator should have set', () => {
    const { MASTER_ADDR: _a, MASTER_PORT: _p, ...noMain } = pod;
    expect(userErrorOf(() => kubeflowEnvironment(noMain))).toContain('MASTER_ADDR and MASTER_PORT are not set');
    const { MASTER_PORT: _q, ...noPort } = pod;
    expect(userErrorOf(() => kubeflowEnvironment(noPort))).toContain('MASTER_PORT is not set');
    const { RANK: _r, ...noRank } = pod;
    expect(userErrorOf(() => kubeflowEnvironment(noRank))).toContain('RANK is not set');
    expect(userErrorOf(() => kubeflowEnvironment({ ...pod, RANK: '4' }))).toContain('RANK=4 is not below WORLD_SIZE=4');
  });
});
