import * as tf from '@tensorflow/tfjs';
import { DataLoader, type DataLoaderOptions } from './dataloader.js';

/**
 * A DataLoader over tensors that share their first dimension (e.g. [xs, ys]): each batch is the rows at
 * the batch's indices, gathered into new tensors that are freed when the loop moves on. Clone a batch
 * tensor to keep it longer.
 */
export function tensorDataLoader<Ts extends tf.Tensor[]>(
  tensors: [...Ts],
  options: Omit<DataLoaderOptions<number, Ts>, 'collate' | 'disposeBatch'>,
): DataLoader<number, Ts> {
  const rows = tensors[0]?.shape[0];
  if (rows === undefined) throw new TypeError('tensorDataLoader needs at least one tensor with a first dimension.');
  for (const t of tensors) {
    if (t.shape[0] !== rows) {
      throw new RangeError(`tensorDataLoader: all tensors need the same first dimension; got ${tensors.map((x) => `[${x.shape}]`).join(' and ')}.`);
    }
  }
  const dataset = { length: rows, get: (i: number) => i };
  return new DataLoader<number, Ts>(dataset, {
    ...options,
    collate: (_items, indices) =>
      tf.tidy(() => {
        const idx = tf.tensor1d(indices, 'int32');
        return tensors.map((t) => tf.gather(t, idx)) as Ts;
      }),
    disposeBatch: (batch) => tf.dispose(batch),
  });
}
