import { createRng } from '../seed.js';

export interface SamplerOptions {
  numReplicas: number;
  rank: number;
  shuffle: boolean;
  seed: number;
  dropLast: boolean;
}

/**
 * Splits dataset indices between ranks (each rank gets every numReplicas-th index of one shared order).
 * The order depends only on (seed, epoch), so every rank agrees without talking. Without dropLast the
 * order is padded by wrapping around so all ranks see the same number of samples.
 */
export class DistributedSampler {
  epoch = 0;
  constructor(
    readonly datasetLength: number,
    readonly options: SamplerOptions,
  ) {
    if (options.rank < 0 || options.rank >= options.numReplicas) {
      throw new RangeError(`Sampler rank ${options.rank} is outside [0, ${options.numReplicas}).`);
    }
  }

  get numSamples(): number {
    const { numReplicas, dropLast } = this.options;
    return dropLast ? Math.floor(this.datasetLength / numReplicas) : Math.ceil(this.datasetLength / numReplicas);
  }

  /** How many indices are repeats, added so every rank gets numSamples (none with dropLast). */
  get paddedSamples(): number {
    return this.options.dropLast ? 0 : this.numSamples * this.options.numReplicas - this.datasetLength;
  }

  setEpoch(epoch: number): void {
    this.epoch = epoch;
  }

  indices(): number[] {
    const order = Array.from({ length: this.datasetLength }, (_, i) => i);
    if (this.options.shuffle) shuffleInPlace(order, createRng(`${this.options.seed}:${this.epoch}`));
    const total = this.numSamples * this.options.numReplicas;
    for (let i = 0; order.length < total; i++) order.push(order[i % this.datasetLength]);
    order.length = total;
    const mine: number[] = [];
    for (let i = this.options.rank; i < total; i += this.options.numReplicas) mine.push(order[i]);
    return mine;
  }
}

/** Fisher-Yates with the given generator. */
export function shuffleInPlace<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  return items;
}
