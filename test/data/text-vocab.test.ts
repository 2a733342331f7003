import { describe, expect, it } from 'vitest';
import { buildVocab, ByteVocab, CharVocab, UNKNOWN_CHAR, vocabFromJSON } from '../../src/data/text-vocab.js';

describe('CharVocab', () => {
  it('gives each distinct character an id in code-point order, after the unknown marker', () => {
    const vocab = CharVocab.fromText('banana!');
    expect(vocab.size).toBe(5);
    expect(vocab.decode([0, 1, 2, 3, 4])).toBe(`${UNKNOWN_CHAR}!abn`);
    expect(Array.from(vocab.encode('nab'))).toEqual([4, 2, 3]);
  });

  it('round-trips text, including characters outside the basic plane', () => {
    const text = 'Grüße, 🙂 world';
    const vocab = CharVocab.fromText(text);
    expect(vocab.decode(vocab.encode(text))).toBe(text);
    expect(vocab.encode(text)).toBeInstanceOf(Int32Array);
    expect(vocab.encode(text).length).toBe([...text].length);
  });

  it('maps unseen characters to id 0 and unknown ids to the marker', () => {
    const vocab = CharVocab.fromText('abc');
    expect(Array.from(vocab.encode('axb'))).toEqual([1, 0, 2]);
    expect(vocab.decode([1, 99])).toBe(`a${UNKNOWN_CHAR}`);
  });

  it('is the same for the same text, and survives JSON', () => {
    const a = CharVocab.fromText('the quick brown fox');
    const b = vocabFromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    expect(b.size).toBe(a.size);
    expect(Array.from(b.encode('quick fox'))).toEqual(Array.from(a.encode('quick fox')));
  });

  it('rejects JSON that is not a char vocabulary', () => {
    expect(() => CharVocab.fromJSON({ kind: 'byte' })).toThrow(/CharVocab.fromJSON/);
    expect(() => CharVocab.fromJSON({ kind: 'char', chars: 'abc' })).toThrow(/unknown marker/);
  });
});

describe('ByteVocab', () => {
  it('encodes UTF-8 bytes (256 ids) and decodes them back', () => {
    const vocab = new ByteVocab();
    expect(vocab.size).toBe(256);
    expect(Array.from(vocab.encode('aé'))).toEqual([97, 0xc3, 0xa9]);
    expect(vocab.decode(vocab.encode('naïve 🙂'))).toBe('naïve 🙂');
  });

  it('decodes invalid UTF-8 (as a sampled model may emit) without throwing', () => {
    expect(new ByteVocab().decode([0xc3, 97])).toBe(`${UNKNOWN_CHAR}a`);
  });
});

describe('buildVocab', () => {
  it('builds the kind asked for and refuses others', () => {
    expect(buildVocab('byte', 'ignored').size).toBe(256);
    expect(buildVocab('char', 'ab').size).toBe(3);
    expect(() => buildVocab('word' as 'char', 'ab')).toThrow(/Unknown vocabulary kind 'word'/);
    expect(vocabFromJSON({ kind: 'byte' })).toBeInstanceOf(ByteVocab);
  });
});
