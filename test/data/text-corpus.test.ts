import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { countWindows, loadTextCorpus, tokenWindowLoader } from '../../src/data/text-corpus.js';

/** Batches as nested arrays, read while each batch is alive (the loader frees it when the loop moves on). */
function readBatches(loader: Iterable<[tf.Tensor2D, tf.Tensor2D]>) {
  const out: { x: number[][]; y: number[][]; dtype: string }[] = [];
  for (const [x, y] of loader) out.push({ x: x.arraySync(), y: y.arraySync(), dtype: x.dtype });
  return out;
}

const temp: string[] = [];
afterAll(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('countWindows', () => {
  it('counts windows of contextLength inputs plus one target token', () => {
    expect(countWindows(10, 4)).toBe(2); // starts 0 and 4 (the second needs tokens 4..8)
    expect(countWindows(9, 4)).toBe(2);
    expect(countWindows(8, 4)).toBe(1);
    expect(countWindows(4, 4)).toBe(0);
    expect(countWindows(10, 4, 1)).toBe(6);
  });
});

describe('tokenWindowLoader', () => {
  const tokens = Int32Array.from({ length: 50 }, (_, i) => i);

  it('yields int32 [inputs, targets] with targets shifted by one token', () => {
    const loader = tokenWindowLoader(tokens, { contextLength: 4, batchSize: 3 });
    const batches = readBatches(loader);
    expect(batches).toHaveLength(4); // 12 windows (starts 0, 4, ..., 44), batches of 3
    expect(batches[0].x).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]);
    expect(batches[0].y).toEqual([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]]);
    expect(batches[0].dtype).toBe('int32');
    expect(batches[3].x[2]).toEqual([44, 45, 46, 47]);
  });

  it('drops an incomplete last batch by default and keeps it on request', () => {
    expect(tokenWindowLoader(tokens, { contextLength: 4, batchSize: 5 }).length).toBe(2);
    expect(tokenWindowLoader(tokens, { contextLength: 4, batchSize: 5, dropLast: false }).length).toBe(3);
  });

  it('uses a stride between window starts', () => {
    const [first] = readBatches(tokenWindowLoader(tokens, { contextLength: 3, batchSize: 2, stride: 10 }));
    expect(first.x).toEqual([[0, 1, 2], [10, 11, 12]]);
  });

  it('shuffles windows reproducibly with a seed and gives each rank a disjoint share', () => {
    const starts = (rank: number, world: number, seed: number) => {
      const loader = tokenWindowLoader(tokens, { contextLength: 4, batchSize: 2, shuffle: true, seed }).distribute(world, rank);
      return readBatches(loader).flatMap(({ x }) => x.map((row) => row[0]));
    };
    expect(starts(0, 1, 3)).toEqual(starts(0, 1, 3));
    expect(starts(0, 1, 3)).not.toEqual(starts(0, 1, 4));
    const rank0 = starts(0, 2, 3);
    const rank1 = starts(1, 2, 3);
    expect(rank0.filter((s) => rank1.includes(s))).toEqual([]);
    expect(rank0).toHaveLength(6);
  });

  it('frees each batch as the loop moves on', () => {
    const loader = tokenWindowLoader(tokens, { contextLength: 4, batchSize: 2 });
    const before = tf.memory().numTensors;
    for (let epoch = 0; epoch < 2; epoch++) for (const batch of loader) expect(batch).toHaveLength(2);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains text that is too short and bad sizes', () => {
    expect(() => tokenWindowLoader(tokens.subarray(0, 4), { contextLength: 4, batchSize: 1 })).toThrow(/4 tokens are too few for one window of 4/);
    expect(() => tokenWindowLoader(tokens, { contextLength: 0, batchSize: 1 })).toThrow(/contextLength must be a positive integer/);
    expect(() => tokenWindowLoader(tokens, { contextLength: 2, batchSize: 1, stride: 0 })).toThrow(/stride/);
  });
});

describe('loadTextCorpus', () => {
  it('loads the Brown corpus with a char vocabulary and a fixed split', () => {
    const corpus = loadTextCorpus({ maxDocuments: 40 });
    expect(corpus.name).toBe('brown');
    expect(corpus.vocab.kind).toBe('char');
    expect(corpus.vocab.decode(corpus.train.subarray(0, 25))).toBe('The Fulton County Grand J');
    // Of 40 documents, the 20th and 40th are validation.
    expect(corpus.valid.length).toBeGreaterThan(1000);
    expect(corpus.train.length).toBeGreaterThan(10 * corpus.valid.length);
    expect(loadTextCorpus({ maxDocuments: 40 }).valid).toEqual(corpus.valid);
    expect(corpus.test).toBeUndefined();
  });

  it('the whole Brown corpus: millions of characters, about 5% for validation, no unknown characters', () => {
    const corpus = loadTextCorpus();
    expect(corpus.train.length).toBeGreaterThan(5_000_000);
    expect(corpus.valid.length / (corpus.train.length + corpus.valid.length)).toBeCloseTo(0.05, 1);
    expect(corpus.vocab.size).toBeLessThan(128);
    expect(corpus.valid.includes(0)).toBe(false);
  });

  it('byte vocabulary: 256 ids, same text', () => {
    const corpus = loadTextCorpus({ maxDocuments: 20, vocab: 'byte' });
    expect(corpus.vocab.size).toBe(256);
    expect(corpus.vocab.decode(corpus.train.subarray(0, 10))).toBe('The Fulton');
  });

  it('loads a WikiText folder with its own three splits', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wikitext-corpus-'));
    temp.push(dir);
    fs.writeFileSync(path.join(dir, 'wiki.train.tokens'), ' = A = \n the cat sat . \n');
    fs.writeFileSync(path.join(dir, 'wiki.valid.tokens'), ' the dog ran . \n');
    fs.writeFileSync(path.join(dir, 'wiki.test.tokens'), ' a <unk> hat . \n');
    const corpus = loadTextCorpus({ source: dir });
    expect(corpus.name).toBe(`wikitext:${dir}`);
    expect(corpus.vocab.decode(corpus.valid)).toBe(' the dog ran . \n');
    expect(corpus.vocab.decode(corpus.test!)).toBe(' a <unk> hat . \n');
    expect(corpus.test!.includes(0)).toBe(false);
  });
});
