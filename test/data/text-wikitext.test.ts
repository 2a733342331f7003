import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { joinWikiTextSplits, readWikiText } from '../../src/data/text-wikitext.js';

let dir: string;
/** A few lines in WikiText-2's own format: headings, blank lines, <unk>, and @-@ / @,@ / @.@ splits. */
const FIXTURE = {
  train: ' \n = Valkyria Chronicles III = \n \n Senjō no Valkyria 3 : <unk> Chronicles is a tactical role @-@ playing game . \n',
  valid: ' \n = Homarus gammarus = \n \n It may grow to a length of 60 cm ( 24 in ) and a mass of 6 kilograms ( 13 lb ) . \n',
  test: ' \n = Robert Boulter = \n \n He earned 1 @,@ 000 @.@ 5 points . \n',
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wikitext-'));
  for (const [split, text] of Object.entries(FIXTURE)) fs.writeFileSync(path.join(dir, `wiki.${split}.tokens`), text);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('readWikiText', () => {
  it('reads the three splits of a folder verbatim', () => {
    const splits = readWikiText(dir);
    expect(splits).toEqual({ ...FIXTURE, dir });
  });

  it('accepts the path of one of the files too', () => {
    expect(readWikiText(path.join(dir, 'wiki.valid.tokens')).valid).toBe(FIXTURE.valid);
  });

  it('can join the numbers and hyphenated words WikiText splits', () => {
    expect(readWikiText(dir, { joinSplitNumbers: true }).test).toContain('He earned 1,000.5 points .');
    expect(joinWikiTextSplits('role @-@ playing')).toBe('role-playing');
  });

  it('works without a test file, and reads the .raw variant', () => {
    const raw = fs.mkdtempSync(path.join(os.tmpdir(), 'wikitext-raw-'));
    try {
      fs.writeFileSync(path.join(raw, 'wiki.train.raw'), 'train text');
      fs.writeFileSync(path.join(raw, 'wiki.valid.raw'), 'valid text');
      const splits = readWikiText(raw);
      expect(splits.train).toBe('train text');
      expect(splits.test).toBeUndefined();
    } finally {
      fs.rmSync(raw, { recursive: true, force: true });
    }
  });

  it('says what is missing', () => {
    expect(() => readWikiText(path.join(dir, 'nope'))).toThrow(/does not exist.*wiki.train.tokens/);
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wikitext-empty-'));
    try {
      expect(() => readWikiText(empty)).toThrow(/No wiki.train.tokens \(or wiki.train.raw\) in/);
    } finally {
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});
