import { describe, expect, it } from 'vitest';
import { DistributedSampler, shuffleInPlace, type SamplerOptions } from '../../src/data/distributed-sampler.js';
import { createRng } from '../../src/seed.js';

const options = (over: Partial<SamplerOptions> = {}): SamplerOptions => ({ numReplicas: 1, rank: 0, shuffle: false, seed: 0, dropLast: false, ...over });

describe('DistributedSampler', () => {
  it('gives one rank every index in order', () => {
    const sampler = new DistributedSampler(5, options());
    expect(sampler.numSamples).toBe(5);
    expect(sampler.indices()).toEqual([0, 1, 2, 3, 4]);
  });

  it('interleaves ranks and pads by wrapping around', () => {
    const ranks = [0, 1, 2].map((rank) => new DistributedSampler(7, options({ numReplicas: 3, rank })));
    expect(ranks.map((s) => s.numSamples)).toEqual([3, 3, 3]);
    expect(ranks.map((s) => s.indices())).toEqual([
      [0, 3, 6],
      [1, 4, 0],
      [2, 5, 1],
    ]);
  });

  it('drops the tail with dropLast so every rank has the same distinct count', () => {
    const ranks = [0, 1, 2].map((rank) => new DistributedSampler(7, options({ numReplicas: 3, rank, dropLast: true })));
    expect(ranks.map((s) => s.indices())).toEqual([
      [0, 3],
      [1, 4],
      [2, 5],
    ]);
  });

  it('shuffles by (seed, epoch) so all ranks agree without talking', () => {
    const split = (epoch: number, seed = 5) =>
      [0, 1].map((rank) => {
        const sampler = new DistributedSampler(12, options({ numReplicas: 2, rank, shuffle: true, seed }));
        sampler.setEpoch(epoch);
        return sampler.indices();
      });
    const [a, b] = split(0);
    expect(a.filter((i) => b.includes(i))).toEqual([]);
    expect([...a, ...b].sort((x, y) => x - y)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(split(0)).toEqual([a, b]);
    expect(split(1)).not.toEqual([a, b]);
    expect(split(0, 6)).not.toEqual([a, b]);
  });

  it('rejects a rank outside the world', () => {
    expect(() => new DistributedSampler(4, options({ numReplicas: 2, rank: 2 }))).toThrow(/outside \[0, 2\)/);
    expect(() => new DistributedSampler(4, options({ numReplicas: 2, rank: -1 }))).toThrow(RangeError);
  });

  it('counts the repeated indices it pads with, and none with dropLast', () => {
    expect(new DistributedSampler(7, options({ numReplicas: 3 })).paddedSamples).toBe(2);
    expect(new DistributedSampler(6, options({ numReplicas: 3 })).paddedSamples).toBe(0);
    expect(new DistributedSampler(7, options({ numReplicas: 3, dropLast: true })).paddedSamples).toBe(0);
  });

  it('handles an empty dataset', () => {
    expect(new DistributedSampler(0, options({ numReplicas: 2, rank: 1 })).indices()).toEqual([]);
  });
});

describe('shuffleInPlace', () => {
  it('permutes deterministically for a given generator', () => {
    const a = shuffleInPlace(Array.from({ length: 30 }, (_, i) => i), createRng('s'));
    const b = shuffleInPlace(Array.from({ length: 30 }, (_, i) => i), createRng('s'));
    expect(b).toEqual(a);
    expect(a).not.toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('reaches every position (Fisher-Yates, not a biased swap)', () => {
    const firsts = new Set<number>();
    const rng = createRng('coverage');
    for (let trial = 0; trial < 200; trial++) firsts.add(shuffleInPlace([0, 1, 2, 3], rng)[0]);
    expect(firsts).toEqual(new Set([0, 1, 2, 3]));
  });
});
