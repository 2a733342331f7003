import * as tf from '@tensorflow/tfjs';
import { chunkStart } from '../collectives/chunks.js';
import type { ParamSet } from '../wrappers/param-set.js';

/**
 * The trainable parameters of one model laid end to end as one float32 vector, in ParamSet order. Sharded
 * strategies split this vector into one contiguous range per rank (the same ranges reduceScatter produces),
 * and sharded checkpoints record it so a different world size can cut it differently on load.
 */
export class FlatLayout {
  readonly offsets: number[] = [];
  readonly sizes: number[];
  readonly total: number;

  constructor(
    readonly names: string[],
    readonly shapes: number[][],
  ) {
    this.sizes = shapes.map((s) => s.reduce((a, b) => a * b, 1));
    let offset = 0;
    for (const size of this.sizes) {
      this.offsets.push(offset);
      offset += size;
    }
    this.total = offset;
  }

  static of(params: ParamSet): FlatLayout {
    const names: string[] = [];
    const shapes: number[][] = [];
    params.names.forEach((name, i) => {
      const variable = params.variables[i]!;
      if (!variable.trainable) return;
      names.push(name);
      shapes.push([...variable.shape]);
    });
    return new FlatLayout(names, shapes);
  }

  /** Rank `rank`'s range [start, end) among `worldSize` ranks. */
  range(worldSize: number, rank: number): [number, number] {
    return [chunkStart(this.total, worldSize, rank), chunkStart(this.total, worldSize, rank + 1)];
  }

  /** The parts of each tensor that fall inside [start, end): tensor index, offsets inside the tensor, and where they go in the range. */
  pieces(start: number, end: number): { index: number; from: number; to: number; at: number }[] {
    const out: { index: number; from: number; to: number; at: number }[] = [];
    this.offsets.forEach((offset, index) => {
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + this.sizes[index]!);
      if (from < to) out.push({ index, from: from - offset, to: to - offset, at: from - start });
    });
    return out;
  }

  /** Copies [start, end) of the flat vector out of per-tensor values (missing tensors count as zeros). */
  copyRange(valuesOf: (index: number) => Float32Array | undefined, start: number, end: number, out = new Float32Array(end - start)): Float32Array {
    for (const piece of this.pieces(start, end)) {
      const values = valuesOf(piece.index);
      if (values) out.set(values.subarray(piece.from, piece.to), piece.at);
      else out.fill(0, piece.at, piece.at + piece.to - piece.from);
    }
    return out;
  }

  /** A tensor per parameter, cut out of the whole flat vector. */
  unflatten(flat: Float32Array, use: (index: number, values: Float32Array) => void): void {
    this.offsets.forEach((offset, index) => use(index, flat.subarray(offset, offset + this.sizes[index]!)));
  }

  /** The model's trainable variables in layout order. */
  static variablesOf(params: ParamSet): tf.Variable[] {
    return params.variables.filter((v) => v.trainable);
  }
}
