import { FabricUserError } from '../errors.js';
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

/** Where a loader stands, as saved in checkpoints: the epoch, and how many batches of it were handed out. */
export interface DataLoaderState {
  epoch: number;
  batchesSeen: number;
  /** What a batch meant when saved, so a position can be carried over to another batch size or world size. */
  batchSize: number;
  numReplicas: number;
}

/**
 * Batches a dataset, optionally shuffled with a seed. Iterate with `for` or `for await`; each full pass
 * advances the epoch, which reshuffles. `fabric.setupDataloaders` gives it the rank's share of the data.
 */
export class DataLoader<T, B = T[]> implements Iterable<B>, AsyncIterable<B> {
  readonly batchSize: number;
  private sampler: DistributedSampler;
  /** Batches of the current pass handed out so far (what a checkpoint records). */
  private batchesSeen = 0;
  /** Set by loadStateDict: the next pass starts after this many batches, the ones the saved run already trained on. */
  private resumeAt = 0;
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

  /**
   * Restricts this loader to one rank's share (used by fabric.setupDataloaders). A share with no batch is an error
   * here, before any step: every rank has the same number of batches, so all ranks stop with the same message.
   */
  distribute(numReplicas: number, rank: number): this {
    const epoch = this.sampler.epoch;
    this.sampler = this.makeSampler(numReplicas, rank);
    this.sampler.setEpoch(epoch);
    if (this.length === 0) throw new FabricUserError(this.noBatchMessage());
    return this;
  }

  /**
   * A one-line warning when the ranks' shares repeat a large part of the data to come out even, else undefined.
   * Up to 10% is ordinary padding (at most ranks - 1 samples of a dataset of a sensible size); beyond that the
   * repeated samples carry visibly more weight in the gradients and in epoch metrics, and the dataset is likely too
   * small for this many ranks.
   */
  paddingWarning(): string | undefined {
    const padded = this.sampler.paddedSamples;
    const samples = this.dataset.length;
    if (padded === 0 || padded <= 0.1 * samples) return undefined;
    const ranks = this.sampler.options.numReplicas;
    const percent = Math.round((100 * padded) / samples);
    return `a data loader pads ${samples} samples to ${samples + padded} for ${ranks} ranks, repeating ${padded} (${percent}% of the data) every epoch; use fewer ranks, more data, or dropLast: true.`;
  }

  get epoch(): number {
    return this.sampler.epoch;
  }

  /** Sets the epoch used for shuffling the next pass (it also advances by one after every full pass). */
  setEpoch(epoch: number): void {
    // A restored position belongs to the restored epoch; choosing another epoch starts that one from its first batch.
    if (epoch !== this.sampler.epoch) this.resumeAt = this.batchesSeen = 0;
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
    // The order depends only on (seed, epoch), so skipping the first batches continues a saved pass exactly.
    const first = Math.min(this.resumeAt, batches);
    this.resumeAt = 0;
    this.batchesSeen = first;
    let previous: B | undefined;
    try {
      for (let b = first; b < batches; b++) {
        if (previous !== undefined) this.options.disposeBatch?.(previous);
        const batchIndices = indices.slice(b * this.batchSize, (b + 1) * this.batchSize);
        previous = this.collate(batchIndices.map((i) => itemAt(this.dataset, i)), batchIndices);
        this.batchesSeen = b + 1;
        yield previous;
      }
    } finally {
      if (previous !== undefined) this.options.disposeBatch?.(previous);
    }
    // A finished pass always moves on, whether or not the user set this pass's epoch.
    this.sampler.setEpoch(this.sampler.epoch + 1);
    this.batchesSeen = 0;
  }

  /** The epoch and the batches of it already handed out; fabric.save records this for loaders set up through Fabric. */
  stateDict(): DataLoaderState {
    return { epoch: this.epoch, batchesSeen: this.batchesSeen, batchSize: this.batchSize, numReplicas: this.sampler.options.numReplicas };
  }

  /**
   * Continues where `state` stood: the next pass is epoch `state.epoch` and starts after the batches already seen.
   * With another batch size or number of ranks the position is carried over in samples, rounded down to a whole batch.
   */
  loadStateDict(state: DataLoaderState): void {
    const samplesPerBatch = this.batchSize * this.sampler.options.numReplicas;
    const samplesSeen = state.batchesSeen * state.batchSize * state.numReplicas;
    this.sampler.setEpoch(state.epoch);
    this.batchesSeen = Math.floor(samplesSeen / samplesPerBatch);
    this.resumeAt = this.batchesSeen;
  }

  private noBatchMessage(): string {
    const samples = this.dataset.length;
    const ranks = this.sampler.options.numReplicas;
    const dropLast = this.options.dropLast ?? false;
    if (samples === 0) return 'A data loader set up with fabric.setupDataloaders has an empty dataset (0 samples), so training would take no step. Give the loader data.';
    return (
      `A data loader set up with fabric.setupDataloaders has no batch on any rank: ${samples} samples over ${ranks} rank(s) is ` +
      `${this.sampler.numSamples} sample(s) per rank, fewer than batchSize ${this.batchSize}, and with dropLast ${dropLast} ` +
      `the incomplete batch is dropped, so training would take no step. Use fewer ranks (--devices), a smaller batchSize, or dropLast: false.`
    );
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
