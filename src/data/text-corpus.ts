/**
 * Text corpora for language models: the Brown corpus (shipped) or a WikiText folder, turned into token-id
 * streams with a fixed train/validation split, and a DataLoader of (input, next-token target) windows.
 */
import * as tf from '@tensorflow/tfjs';
import { DataLoader } from './dataloader.js';
import { readBrownCorpus, splitBrownDocuments } from './text-brown.js';
import { buildVocab, type Vocab, type VocabKind } from './text-vocab.js';
import { readWikiText } from './text-wikitext.js';

export interface TextCorpus {
  /** 'brown', or 'wikitext:<folder>'. */
  name: string;
  vocab: Vocab;
  train: Int32Array;
  valid: Int32Array;
  test?: Int32Array;
}

export interface LoadTextCorpusOptions {
  /** 'brown' (default) for the shipped Brown corpus, or the folder of a WikiText corpus (wiki.{train,valid,test}.tokens). */
  source?: string;
  vocab?: VocabKind;
  /** Brown only: read at most this many documents (a quicker start for smoke tests). */
  maxDocuments?: number;
}

/** Reads a corpus and encodes its splits. A char vocabulary is built from all splits, so none has unknown characters. */
export function loadTextCorpus(options: LoadTextCorpusOptions = {}): TextCorpus {
  const source = options.source ?? 'brown';
  const kind = options.vocab ?? 'char';
  let texts: { train: string; valid: string; test?: string };
  let name: string;
  if (source === 'brown') {
    const { train, valid } = splitBrownDocuments(readBrownCorpus({ maxDocuments: options.maxDocuments }));
    texts = { train: train.map((d) => d.text).join('\n'), valid: valid.map((d) => d.text).join('\n') };
    name = 'brown';
  } else {
    const splits = readWikiText(source);
    texts = splits;
    name = `wikitext:${splits.dir}`;
  }
  const vocab = buildVocab(kind, `${texts.train}${texts.valid}${texts.test ?? ''}`);
  return {
    name,
    vocab,
    train: vocab.encode(texts.train),
    valid: vocab.encode(texts.valid),
    ...(texts.test !== undefined && { test: vocab.encode(texts.test) }),
  };
}

export interface TokenWindowOptions {
  /** Tokens per window (the model's context length). */
  contextLength: number;
  batchSize: number;
  shuffle?: boolean;
  seed?: number;
  /** Distance between window starts; default contextLength (windows do not overlap). */
  stride?: number;
  /** Drop the last incomplete batch (default true: every step sees the same number of tokens). */
  dropLast?: boolean;
}

/** How many windows of `contextLength` inputs (plus one target token) fit in `length` tokens at `stride`. */
export function countWindows(length: number, contextLength: number, stride = contextLength): number {
  if (length < contextLength + 1) return 0;
  return Math.floor((length - contextLength - 1) / stride) + 1;
}

/**
 * Batches of `[inputs, targets]`, both int32 `[batchSize, contextLength]`, where targets are the inputs shifted
 * by one token. Batch tensors are freed when the loop moves on. `fabric.setupDataloaders` shards the windows.
 */
export function tokenWindowLoader(tokens: Int32Array, options: TokenWindowOptions): DataLoader<number, [tf.Tensor2D, tf.Tensor2D]> {
  const { contextLength, batchSize } = options;
  const stride = options.stride ?? contextLength;
  if (!Number.isInteger(contextLength) || contextLength < 1) throw new RangeError(`tokenWindowLoader: contextLength must be a positive integer, got ${contextLength}.`);
  if (!Number.isInteger(stride) || stride < 1) throw new RangeError(`tokenWindowLoader: stride must be a positive integer, got ${stride}.`);
  const windows = countWindows(tokens.length, contextLength, stride);
  if (windows === 0) {
    throw new RangeError(`tokenWindowLoader: ${tokens.length} tokens are too few for one window of ${contextLength} (+1 target) tokens. Use a shorter context or more text.`);
  }
  const dataset = { length: windows, get: (i: number) => i * stride };
  return new DataLoader<number, [tf.Tensor2D, tf.Tensor2D]>(dataset, {
    batchSize,
    shuffle: options.shuffle ?? false,
    ...(options.seed !== undefined && { seed: options.seed }),
    dropLast: options.dropLast ?? true,
    collate: (starts) => {
      const inputs = new Int32Array(starts.length * contextLength);
      const targets = new Int32Array(starts.length * contextLength);
      starts.forEach((start, row) => {
        inputs.set(tokens.subarray(start, start + contextLength), row * contextLength);
        targets.set(tokens.subarray(start + 1, start + contextLength + 1), row * contextLength);
      });
      return [tf.tensor2d(inputs, [starts.length, contextLength], 'int32'), tf.tensor2d(targets, [starts.length, contextLength], 'int32')];
    },
    disposeBatch: (batch) => tf.dispose(batch),
  });
}
