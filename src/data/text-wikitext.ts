/**
 * WikiText-style corpora (WikiText-2 / WikiText-103, "tokens" or "raw" variants): a folder with
 * `wiki.train.tokens`, `wiki.valid.tokens` and `wiki.test.tokens` (or `.raw`), the splits fixed by the files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface WikiTextSplits {
  train: string;
  valid: string;
  /** Absent when the folder has no test file. */
  test?: string;
  /** The folder the files were read from. */
  dir: string;
}

export interface ReadWikiTextOptions {
  /** Undo WikiText's number and hyphen splitting (` @-@ ` -> `-`, ` @,@ ` -> `,`, ` @.@ ` -> `.`). */
  joinSplitNumbers?: boolean;
}

const SPLITS = ['train', 'valid', 'test'] as const;

/** Folder of a WikiText corpus: the folder itself, or the folder of a given `wiki.<split>.<ext>` file. */
function corpusDir(location: string): string {
  if (!fs.existsSync(location)) throw new Error(`WikiText location '${location}' does not exist. Pass the folder holding wiki.train.tokens, wiki.valid.tokens and wiki.test.tokens.`);
  return fs.statSync(location).isDirectory() ? location : path.dirname(location);
}

function fileOf(dir: string, split: (typeof SPLITS)[number]): string | undefined {
  for (const ext of ['tokens', 'raw']) {
    const file = path.join(dir, `wiki.${split}.${ext}`);
    if (fs.existsSync(file)) return file;
  }
  return undefined;
}

export function joinWikiTextSplits(text: string): string {
  return text.replace(/ @([-,.])@ /g, '$1');
}

/** Reads the train, valid and (when present) test splits as text. */
export function readWikiText(location: string, options: ReadWikiTextOptions = {}): WikiTextSplits {
  const dir = corpusDir(location);
  const read = (split: (typeof SPLITS)[number], required: boolean): string | undefined => {
    const file = fileOf(dir, split);
    if (!file) {
      if (required) throw new Error(`No wiki.${split}.tokens (or wiki.${split}.raw) in ${dir}. A WikiText folder holds wiki.train.tokens, wiki.valid.tokens and wiki.test.tokens.`);
      return undefined;
    }
    const text = fs.readFileSync(file, 'utf8');
    return options.joinSplitNumbers ? joinWikiTextSplits(text) : text;
  };
  const test = read('test', false);
  return { train: read('train', true)!, valid: read('valid', true)!, ...(test !== undefined && { test }), dir };
}
