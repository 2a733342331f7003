/**
 * Token vocabularies for character- and byte-level language models. Both turn text into an Int32Array
 * of ids and back, and describe themselves as JSON so a checkpoint can carry the exact vocabulary.
 */

export type VocabKind = 'char' | 'byte';

export interface VocabJson {
  kind: VocabKind;
  /** The characters of a char vocabulary in id order (id 0 is the unknown-character marker). */
  chars?: string;
}

export interface Vocab {
  readonly kind: VocabKind;
  readonly size: number;
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
  toJSON(): VocabJson;
}

/** Shown for ids of characters the vocabulary never saw. */
export const UNKNOWN_CHAR = '\uFFFD';

/**
 * One id per distinct character (Unicode code point) of the text it was built from, in code-point order,
 * so the same text always gives the same ids. Characters outside it encode to id 0.
 */
export class CharVocab implements Vocab {
  readonly kind = 'char' as const;
  private readonly ids = new Map<string, number>();

  private constructor(private readonly chars: string[]) {
    chars.forEach((char, id) => this.ids.set(char, id));
  }

  static fromText(text: string): CharVocab {
    const distinct = new Set<string>(text);
    distinct.delete(UNKNOWN_CHAR);
    const sorted = [...distinct].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
    return new CharVocab([UNKNOWN_CHAR, ...sorted]);
  }

  static fromJSON(json: VocabJson): CharVocab {
    if (json.kind !== 'char' || typeof json.chars !== 'string') throw new TypeError('CharVocab.fromJSON expects { kind: "char", chars: "..." }.');
    const chars = [...json.chars];
    if (chars[0] !== UNKNOWN_CHAR) throw new TypeError('CharVocab.fromJSON: the first character must be the unknown marker U+FFFD.');
    return new CharVocab(chars);
  }

  get size(): number {
    return this.chars.length;
  }

  encode(text: string): Int32Array {
    const out = new Int32Array(text.length);
    let n = 0;
    for (const char of text) out[n++] = this.ids.get(char) ?? 0;
    return out.slice(0, n);
  }

  decode(ids: ArrayLike<number>): string {
    let text = '';
    for (let i = 0; i < ids.length; i++) text += this.chars[ids[i]] ?? UNKNOWN_CHAR;
    return text;
  }

  toJSON(): VocabJson {
    return { kind: 'char', chars: this.chars.join('') };
  }
}

/** The 256 byte values of the UTF-8 encoding: covers any text, at the price of longer sequences. */
export class ByteVocab implements Vocab {
  readonly kind = 'byte' as const;
  readonly size = 256;
  private readonly encoder = new TextEncoder();
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  encode(text: string): Int32Array {
    return Int32Array.from(this.encoder.encode(text));
  }

  /** Invalid UTF-8 (a sampled model may produce it) decodes to U+FFFD instead of throwing. */
  decode(ids: ArrayLike<number>): string {
    return this.decoder.decode(Uint8Array.from(ids as ArrayLike<number>, (id) => id & 0xff));
  }

  toJSON(): VocabJson {
    return { kind: 'byte' };
  }
}

/** Builds the vocabulary of `kind`; a char vocabulary is built from `text`. */
export function buildVocab(kind: VocabKind, text: string): Vocab {
  if (kind === 'byte') return new ByteVocab();
  if (kind === 'char') return CharVocab.fromText(text);
  throw new TypeError(`Unknown vocabulary kind '${String(kind)}'; use 'char' or 'byte'.`);
}

/** The vocabulary a checkpoint saved with `vocab.toJSON()`. */
export function vocabFromJSON(json: VocabJson): Vocab {
  return json.kind === 'byte' ? new ByteVocab() : CharVocab.fromJSON(json);
}
