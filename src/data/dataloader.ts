import { getGlobalSeed } from '../seed.js';
import { DistributedSampler } from './distributed-sampler.js';

/** Anything indexable: an array, or an object with a length and get(i). */
export type Dataset<T> = readonly T[] | { readonly length: number; get(index: number): T };

export interface DataLoaderOptions<T, B> {
  batchSize: number;
  shuffle?: boolean;
  /** Shuffle seed; defaults to the seedEverything seed (or 0), so runs repeat. */
  seed?: number;
  /** Drop the last incomplete batch. */
  dropLast?: boolean;
  /** Turns a list of items into a batch; default: the list itself. */
  collate?: (items: T[], indices: number[]) => B;
  /** Called on a batch once the loop moves past it (tensor batches free their memory this way). */
  disposeBatch?: (batch: B) => void;
}

/**
 * Batches a dataset, optionally shuffled with a seed. Iterate with `for` or `for await`; each full pass
 * advances the epoch, which reshuffles. `fabric.setupDataloaders` gives it the rank's share of the data.
 */
export class DataLoader<T, B = T[]> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  private sampler: DistributedSampler;
  private readonly collate: (items: T[], indices: number[]) => B;

  constructor(
    readonly dataset: Dataset<T>,
    readonly options: DataLoaderOptions<T, B>,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new RangeError(`DataLoader batchSize must be a positive integer, got ${options.batchSize}.`);
    }
    this.batchSize = options.batchSize;
    this.collate = options.collate ?? ((items) => items as unknown as B);
    this.sampler = this.makeSampler(1, 0);
  }

  /** Restricts this loader to one rank's share (used by fabric.setupDataloaders). */
  distribute(numReplicas: number, rank: number): this {
    const epoch = this.sampler.epoch;
    this.sampler = this.makeSampler(numReplicas, rank);
    this.sampler.setEpoch(epoch);
    return this;
  }

  get epoch(): number {
    return this.sampler.epoch;
  }

  /** Sets the epoch used for shuffling the next pass (it also advances by one after every full pass). */
  setEpoch(epoch: number): void {
    this.sampler.setEpoch(epoch);
  }

  /** Number of batches per epoch on this rank. */
  get length(): number {
    const samples = this.sampler.numSamples;
    return this.options.dropLast ? Math.floor(samples / this.batchSize) : Math.ceil(samples / this.batchSize);
  }

  *[Symbol.iterator](): Iterator<B> {
    const indices = this.sampler.indices();
    const batches = this.length;
    let previous: B | undefined;
    try {
      for (let b = 0; b < batches; b++) {
        if (previous !== undefined) this.options.disposeBatch?.(previous);
        const batchIndices = indices.slice(b * this.batchSize, (b + 1) * this.batchSize);
        previous = this.collate(batchIndices.map((i) => itemAt(this.dataset, i)), batchIndices);
        yield previous;
      }
    } finally {
      if (previous !== undefined) this.options.disposeBatch?.(previous);
    }
    // A finished pass always moves on, whether or not the user set this pass's epoch.
    this.sampler.setEpoch(this.sampler.epoch + 1);
  }

  async *[Symbol.asyncIterator](): AsyncIterator<B> {
    for (const batch of this) yield batch;
  }

  private makeSampler(numReplicas: number, rank: number): DistributedSampler {
    return new DistributedSampler(this.dataset.length, {
      numReplicas,
      rank,
      shuffle: this.options.shuffle ?? false,
      seed: this.options.seed ?? getGlobalSeed() ?? 0,
      dropLast: this.options.dropLast ?? false,
    });
  }
}

function itemAt<T>(dataset: Dataset<T>, index: number): T {
  return Array.isArray(dataset) ? (dataset as T[])[index] : (dataset as { get(i: number): T }).get(index);
}
