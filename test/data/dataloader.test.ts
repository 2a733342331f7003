import { afterEach, describe, expect, it } from 'vitest';
import { DataLoader } from '../../src/data/dataloader.js';
import { userErrorOf } from '../helpers/user-error.js';
import { resetSeeding, seedEverything } from '../../src/seed.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const savedSeedEnv = process.env.FABRIC_GLOBAL_SEED;

afterEach(() => {
  resetSeeding();
  if (savedSeedEnv === undefined) delete process.env.FABRIC_GLOBAL_SEED;
  else process.env.FABRIC_GLOBAL_SEED = savedSeedEnv;
});

describe('batching', () => {
  it('covers the dataset in order, with a short last batch', () => {
    const loader = new DataLoader(range(10), { batchSize: 3 });
    expect(loader.length).toBe(4);
    expect([...loader]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]]);
  });

  it('drops the incomplete last batch with dropLast', () => {
    const loader = new DataLoader(range(10), { batchSize: 3, dropLast: true });
    expect(loader.length).toBe(3);
    expect([...loader]).toEqual([[0, 1, 2], [3, 4, 5], [6, 7, 8]]);
  });

  it('reads datasets with length and get(i), and collates with the indices', () => {
    const dataset = { length: 5, get: (i: number) => `item${i}` };
    const loader = new DataLoader(dataset, { batchSize: 2, collate: (items, indices) => ({ items, indices }) });
    expect([...loader]).toEqual([
      { items: ['item0', 'item1'], indices: [0, 1] },
      { items: ['item2', 'item3'], indices: [2, 3] },
      { items: ['item4'], indices: [4] },
    ]);
  });

  it('rejects a batch size that is not a positive integer', () => {
    expect(() => new DataLoader(range(4), { batchSize: 0 })).toThrow(RangeError);
    expect(() => new DataLoader(range(4), { batchSize: 1.5 })).toThrow(/positive integer/);
  });

  it('supports for await', async () => {
    const loader = new DataLoader(range(5), { batchSize: 2 });
    const seen: number[][] = [];
    for await (const batch of loader) seen.push(batch);
    expect(seen).toEqual([[0, 1], [2, 3], [4]]);
    expect(loader.epoch).toBe(1);
  });
});

describe('shuffling and epochs', () => {
  const flat = (loader: DataLoader<number>) => [...loader].flat();

  it('shuffles the same way for the same seed and differently for another', () => {
    const a = flat(new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 1 }));
    const b = flat(new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 1 }));
    const c = flat(new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 2 }));
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    expect(a).not.toEqual(range(20));
    expect([...a].sort((x, y) => x - y)).toEqual(range(20));
  });

  it('advances the epoch after each full pass and reshuffles', () => {
    const loader = new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 1 });
    expect(loader.epoch).toBe(0);
    const first = flat(loader);
    expect(loader.epoch).toBe(1);
    const second = flat(loader);
    expect(loader.epoch).toBe(2);
    expect(second).not.toEqual(first);
    expect([...second].sort((x, y) => x - y)).toEqual(range(20));
    // Epoch 1 of a fresh loader is the same order: the shuffle depends only on (seed, epoch).
    const other = new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 1 });
    other.setEpoch(1);
    expect(flat(other)).toEqual(second);
  });

  it('does not advance the epoch when the loop stops early', () => {
    const loader = new DataLoader(range(10), { batchSize: 2 });
    for (const _batch of loader) break;
    expect(loader.epoch).toBe(0);
  });

  it('uses an epoch set by the user for the next pass, then moves on', () => {
    const loader = new DataLoader(range(20), { batchSize: 5, shuffle: true, seed: 4 });
    loader.setEpoch(3);
    const pinned = flat(loader);
    expect(loader.epoch).toBe(4);
    expect(flat(loader)).not.toEqual(pinned);
    const reference = new DataLoader(range(20), { batchSize: 5, shuffle: true, seed: 4 });
    flat(reference);
    flat(reference);
    flat(reference);
    expect(flat(reference)).toEqual(pinned);
  });

  it('takes its default seed from seedEverything', () => {
    seedEverything(11);
    const fromGlobal = flat(new DataLoader(range(20), { batchSize: 4, shuffle: true }));
    resetSeeding();
    expect(flat(new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 11 }))).toEqual(fromGlobal);
    expect(flat(new DataLoader(range(20), { batchSize: 4, shuffle: true, seed: 12 }))).not.toEqual(fromGlobal);
  });
});

describe('distribute', () => {
  it('splits indices between two ranks without overlap', () => {
    for (const shuffle of [false, true]) {
      const ranks = [0, 1].map((r) => new DataLoader(range(10), { batchSize: 2, shuffle, seed: 3 }).distribute(2, r));
      const [a, b] = ranks.map((loader) => [...loader].flat());
      expect(ranks.map((loader) => loader.length)).toEqual([3, 3]);
      expect(a).toHaveLength(5);
      expect(b).toHaveLength(5);
      expect(a.filter((i) => b.includes(i))).toEqual([]);
      expect([...a, ...b].sort((x, y) => x - y)).toEqual(range(10));
    }
  });

  it('pads an uneven dataset so both ranks get equal counts, or drops the rest with dropLast', () => {
    const padded = [0, 1].map((r) => [...new DataLoader(range(11), { batchSize: 3, shuffle: true, seed: 8 }).distribute(2, r)].flat());
    expect(padded.map((x) => x.length)).toEqual([6, 6]);
    expect(new Set(padded.flat())).toEqual(new Set(range(11)));
    const dropped = [0, 1].map((r) => [...new DataLoader(range(11), { batchSize: 3, dropLast: true }).distribute(2, r)].flat());
    expect(dropped.map((x) => x.length)).toEqual([3, 3]);
    expect(new Set(dropped.flat()).size).toBe(6);
  });

  it('is a user error naming the numbers when a rank gets no batch', () => {
    const message = userErrorOf(() => new DataLoader(range(5), { batchSize: 2, dropLast: true }).distribute(3, 2));
    expect(message).toContain('5 samples over 3 rank(s) is 1 sample(s) per rank, fewer than batchSize 2, and with dropLast true');
    expect(message).toMatch(/fewer ranks \(--devices\), a smaller batchSize, or dropLast: false/);
    expect(userErrorOf(() => new DataLoader([], { batchSize: 2 }).distribute(1, 0))).toMatch(/empty dataset \(0 samples\)/);
    // Enough for one batch per rank, or padded without dropLast: no error.
    expect(new DataLoader(range(6), { batchSize: 2, dropLast: true }).distribute(3, 2).length).toBe(1);
    expect(new DataLoader(range(5), { batchSize: 2 }).distribute(3, 2).length).toBe(1);
  });

  it('warns when padding repeats more than 10% of the data', () => {
    expect(new DataLoader(range(5), { batchSize: 2 }).distribute(2, 0).paddingWarning()).toBe(
      'a data loader pads 5 samples to 6 for 2 ranks, repeating 1 (20% of the data) every epoch; use fewer ranks, more data, or dropLast: true.',
    );
    expect(new DataLoader(range(11), { batchSize: 2 }).distribute(2, 0).paddingWarning()).toBeUndefined();
    expect(new DataLoader(range(5), { batchSize: 2, dropLast: true }).distribute(2, 0).paddingWarning()).toBeUndefined();
    expect(new DataLoader(range(4), { batchSize: 2 }).distribute(2, 1).paddingWarning()).toBeUndefined();
  });

  it('keeps the epoch it had', () => {
    const loader = new DataLoader(range(8), { batchSize: 2, shuffle: true, seed: 1 });
    [...loader];
    loader.distribute(2, 1);
    expect(loader.epoch).toBe(1);
    expect(() => loader.distribute(2, 2)).toThrow(RangeError);
  });
});

describe('disposeBatch', () => {
  it('is called on each batch once the loop moves past it, and on the last one at the end or on break', () => {
    const disposed: number[][] = [];
    const live: number[][] = [];
    const loader = new DataLoader(range(6), { batchSize: 2, disposeBatch: (batch) => disposed.push(batch) });
    for (const batch of loader) {
      live.push(batch);
      expect(disposed).toEqual(live.slice(0, -1));
    }
    expect(disposed).toEqual([[0, 1], [2, 3], [4, 5]]);
    disposed.length = 0;
    for (const _batch of loader) break;
    expect(disposed).toEqual([[0, 1]]);
  });
});

describe('state for checkpoints', () => {
  it('records the epoch and the batches handed out, and a fresh loader continues the same order from there', () => {
    const original = new DataLoader(range(20), { batchSize: 3, shuffle: true, seed: 5 });
    const straight = [...original, ...original];
    const saved = new DataLoader(range(20), { batchSize: 3, shuffle: true, seed: 5 });
    [...saved];
    const seen: number[][] = [];
    for (const batch of saved) {
      seen.push(batch);
      if (seen.length === 4) break;
    }
    const state = saved.stateDict();
    expect(state).toEqual({ epoch: 1, batchesSeen: 4, batchSize: 3, numReplicas: 1 });

    const resumed = new DataLoader(range(20), { batchSize: 3, shuffle: true, seed: 5 });
    resumed.loadStateDict(JSON.parse(JSON.stringify(state)));
    const rest = [...resumed];
    expect([...seen, ...rest]).toEqual(straight.slice(7));
    // The resumed pass ends the epoch like a whole one: the next pass is epoch 2 from its first batch.
    expect(resumed.stateDict()).toMatchObject({ epoch: 2, batchesSeen: 0 });
    const epochTwo = new DataLoader(range(20), { batchSize: 3, shuffle: true, seed: 5 });
    epochTwo.setEpoch(2);
    expect([...resumed]).toEqual([...epochTwo]);
  });

  it('a state saved after the last batch of a pass yields nothing more in that epoch', () => {
    const loader = new DataLoader(range(6), { batchSize: 2 });
    const resumed = new DataLoader(range(6), { batchSize: 2 });
    resumed.loadStateDict({ epoch: 0, batchesSeen: 3, batchSize: 2, numReplicas: 1 });
    expect([...resumed]).toEqual([]);
    expect(resumed.epoch).toBe(1);
    expect([...resumed]).toEqual([...loader]);
  });

  it('carries the position over in samples when the batch size or the number of ranks changed', () => {
    const loader = new DataLoader(range(40), { batchSize: 4 }).distribute(2, 0);
    loader.loadStateDict({ epoch: 3, batchesSeen: 5, batchSize: 2, numReplicas: 4 });
    // 5 batches x 2 samples x 4 ranks = 40 samples = 5 batches of 4 x 2 ranks
    expect(loader.stateDict()).toEqual({ epoch: 3, batchesSeen: 5, batchSize: 4, numReplicas: 2 });
  });

  it('setEpoch to another epoch drops a restored position', () => {
    const loader = new DataLoader(range(6), { batchSize: 2 });
    loader.loadStateDict({ epoch: 2, batchesSeen: 2, batchSize: 2, numReplicas: 1 });
    loader.setEpoch(2);
    expect([...loader]).toEqual([[4, 5]]);
    loader.loadStateDict({ epoch: 2, batchesSeen: 2, batchSize: 2, numReplicas: 1 });
    loader.setEpoch(0);
    expect([...loader]).toEqual([[0, 1], [2, 3], [4, 5]]);
  });
});
