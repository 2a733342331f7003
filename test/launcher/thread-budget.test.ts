import { describe, expect, it } from 'vitest';
import { defaultThreadsPerRank, planThreadBudget } from '../../src/launcher/thread-budget.js';

const native = { engine: 'native' as const, threadsPerRank: 'auto' as const, env: {} };

describe('planThreadBudget', () => {
  it('gives each native rank the cores divided by the local ranks, at least one, through both TensorFlow pools', () => {
    expect(planThreadBudget({ ...native, localRanks: 2, cores: 8 })).toEqual({
      env: { TF_NUM_INTRAOP_THREADS: '4', TF_NUM_INTEROP_THREADS: '4' },
      threads: 4,
      notices: [],
    });
    expect(planThreadBudget({ ...native, localRanks: 3, cores: 8 }).env.TF_NUM_INTRAOP_THREADS).toBe('2');
    expect(defaultThreadsPerRank(2, 4)).toBe(1);
  });

  it('warns in one line when ranks x threads exceed the cores (only possible when there are more ranks than cores)', () => {
    const plan = planThreadBudget({ ...native, localRanks: 4, cores: 2 });
    expect(plan.env.TF_NUM_INTRAOP_THREADS).toBe('1');
    expect(plan.notices).toEqual(['tfjs-fabric: warning: 4 rank(s) x 1 TensorFlow threads = 4 threads on 2 cores; the ranks will compete for cores (lower --threads-per-rank or --devices).']);
  });

  it('lets an explicit threadsPerRank override the budget, and warns about oversubscription it causes', () => {
    const plan = planThreadBudget({ ...native, localRanks: 2, cores: 2, threadsPerRank: 2, threadsOrigin: '--threads-per-rank' });
    expect(plan.env).toEqual({ TF_NUM_INTRAOP_THREADS: '2', TF_NUM_INTEROP_THREADS: '2' });
    expect(plan.notices).toHaveLength(1);
    expect(plan.notices[0]).toContain('2 rank(s) x 2 TensorFlow threads = 4 threads on 2 cores');
  });

  it('keeps thread variables the user set and says so; an explicit threadsPerRank overrides them and says that', () => {
    const env = { TF_NUM_INTRAOP_THREADS: '3' };
    const kept = planThreadBudget({ ...native, localRanks: 1, cores: 4, env });
    expect(kept.env).toEqual({ TF_NUM_INTEROP_THREADS: '4' });
    expect(kept.threads).toBe(3);
    expect(kept.notices).toEqual(["tfjs-fabric: keeping TF_NUM_INTRAOP_THREADS=3 from the environment (Fabric's budget would be 4 per rank for 1 rank(s) on 4 cores)."]);
    const overridden = planThreadBudget({ ...native, localRanks: 1, cores: 4, env, threadsPerRank: 2, threadsOrigin: 'FABRIC_THREADS_PER_RANK' });
    expect(overridden.env.TF_NUM_INTRAOP_THREADS).toBe('2');
    expect(overridden.notices).toEqual(['tfjs-fabric: threadsPerRank=2 (from FABRIC_THREADS_PER_RANK) overrides TF_NUM_INTRAOP_THREADS=3 from the environment.']);
  });

  it('sets nothing on wasm and says in one line that an explicit threadsPerRank has no effect there', () => {
    expect(planThreadBudget({ engine: 'wasm', localRanks: 2, cores: 2, threadsPerRank: 'auto', env: {} })).toEqual({ env: {}, notices: [] });
    const plan = planThreadBudget({ engine: 'wasm', localRanks: 1, cores: 2, threadsPerRank: 2, threadsOrigin: 'fabric.config.yaml:3:1', env: {} });
    expect(plan.env).toEqual({});
    expect(plan.notices).toEqual(['tfjs-fabric: threadsPerRank=2 (from fabric.config.yaml:3:1) has no effect: ranks run on the wasm backend, which is single-threaded in Node; use --devices to use more cores.']);
  });
});
