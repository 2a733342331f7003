import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { readFloat32 } from '../accelerators/tensor-view.js';
import { ProcessGroup, type NumericArray } from '../collectives/process-group.js';
import type { ClusterEnvironment } from '../environments/environment.js';
import { fromHalfBits, toHalfBits, type HalfFormat } from '../precision/rounding.js';
import type { ParamSet } from '../wrappers/param-set.js';
import type { ReduceOp, Strategy } from './strategy.js';

export interface DdpOptions {
  token: string | null;
  timeoutMs: number;
  /** Gradients are all-reduced in buckets of about this many bytes: big enough to stream, small enough to bound the copy. */
  bucketBytes?: number;
}

/**
 * Distributed data parallel: every rank holds the whole model, starts from rank 0's weights, and
 * averages gradients after each backward. Tensors cross ranks as flat typed arrays.
 */
export class DdpStrategy implements Strategy {
  readonly name: string = 'ddp';
  private group?: ProcessGroup;

  constructor(
    private readonly environment: ClusterEnvironment,
    private readonly options: DdpOptions,
  ) {}

  get worldSize(): number {
    return this.environment.worldSize;
  }
  get globalRank(): number {
    return this.environment.globalRank;
  }

  async setup(): Promise<void> {
    const { environment } = this;
    if (environment.mainPort === undefined) throw new Error('DDP needs MASTER_PORT; start the script with `fabric run model`.');
    this.group = await ProcessGroup.connect({
      rank: environment.globalRank,
      worldSize: environment.worldSize,
      mainAddress: environment.mainAddress,
      mainPort: environment.mainPort,
      token: this.options.token,
      timeoutMs: this.options.timeoutMs,
      // Ranks of one node talk over Unix sockets; different nodes (even on one machine) over TCP.
      hostId: `${os.hostname()}#node${environment.nodeRank}`,
    });
  }

  protected get pg(): ProcessGroup {
    if (!this.group) throw new Error('DDP is not set up: fabric.launch() connects the ranks first.');
    return this.group;
  }

  async syncParams(params: ParamSet): Promise<void> {
    const flat = flatten(params.variables);
    const synced = await this.pg.broadcast(flat.data, 0);
    unflatten(synced, flat.layout, (index, values) => params.variables[index].assign(values));
  }

  /**
   * Bytes this rank has sent for gradient sync so far: a float32 ring all-reduce sends 2(W-1)/W x 4 bytes per
   * value, the 16-bit all-gather (W-1) x 2 bytes per value (exactly half at 2 ranks, the same at 4).
   */
  gradientBytesSent = 0;

  async reduceGradients(grads: Map<string, tf.Tensor>, options: { halfFormat?: HalfFormat } = {}): Promise<void> {
    const { halfFormat } = options;
    const names = [...grads.keys()];
    const bucketValues = Math.max(1, Math.floor((this.options.bucketBytes ?? 16 * 2 ** 20) / (halfFormat ? 2 : 4)));
    let start = 0;
    while (start < names.length) {
      let size = 0;
      let end = start;
      while (end < names.length && (end === start || size + grads.get(names[end])!.size <= bucketValues)) size += grads.get(names[end++])!.size;
      const bucket = names.slice(start, end);
      const flat = flatten(bucket.map((n) => grads.get(n)!));
      // Reduced in place: a fresh result array costs page faults comparable to the transfer itself.
      const reduced = halfFormat ? await this.halfMean(flat.data, halfFormat) : await this.pg.allReduce(flat.data, 'mean', { out: flat.data });
      if (!halfFormat) this.gradientBytesSent += Math.round((2 * (this.worldSize - 1) * flat.data.byteLength) / this.worldSize);
      unflatten(reduced, flat.layout, (index, values) => {
        grads.get(bucket[index])!.dispose();
        grads.set(bucket[index], values);
      }, true);
      start = end;
    }
  }

  /** Mean across ranks with 16-bit values on the wire: pairs of 16-bit patterns ride in int32 words, summed in float32 in rank order. */
  private async halfMean(values: Float32Array, format: HalfFormat): Promise<Float32Array> {
    const bits = new Uint16Array(values.length + (values.length % 2));
    bits.set(toHalfBits(values, format));
    const packed = new Int32Array(bits.buffer);
    const parts = await this.pg.allGather(packed);
    this.gradientBytesSent += (this.worldSize - 1) * packed.byteLength;
    // Every rank adds the same values in the same order, so all ranks get bit-identical means.
    const sum = new Float32Array(values.length);
    for (const part of parts) {
      const decoded = fromHalfBits(new Uint16Array(part.buffer, part.byteOffset, values.length), format);
      for (let i = 0; i < sum.length; i++) sum[i] += decoded[i]!;
    }
    for (let i = 0; i < sum.length; i++) sum[i] /= this.worldSize;
    return sum;
  }

  async allReduce(tensor: tf.Tensor, op: ReduceOp): Promise<tf.Tensor> {
    // A mean of integers is not an integer: reduce int32 means in float32.
    const input = op === 'mean' && tensor.dtype === 'int32' ? tf.cast(tensor, 'float32') : tensor;
    try {
      const result = await this.pg.allReduce(dataOf(input), op);
      return tf.tensor(result, input.shape, input.dtype);
    } finally {
      if (input !== tensor) input.dispose();
    }
  }

  async reduceScatter(tensor: tf.Tensor, op: ReduceOp): Promise<tf.Tensor> {
    const input = op === 'mean' && tensor.dtype === 'int32' ? tf.cast(tensor, 'float32') : tensor;
    try {
      const chunk = await this.pg.reduceScatter(dataOf(input), op);
      return tf.tensor1d(chunk, input.dtype === 'int32' ? 'int32' : 'float32');
    } finally {
      if (input !== tensor) input.dispose();
    }
  }

  async allGather(tensor: tf.Tensor): Promise<tf.Tensor> {
    const parts = await this.allGatherList(tensor);
    const mismatch = parts.find((p) => p.shape.join() !== tensor.shape.join());
    if (mismatch) {
      tf.dispose(parts);
      throw new Error(`allGather needs the same shape on every rank; rank ${this.globalRank} has [${tensor.shape}] and another rank [${mismatch.shape}]. Use fabric.allGatherList for tensors whose first dimension differs.`);
    }
    const stacked = tf.stack(parts);
    tf.dispose(parts);
    return stacked;
  }

  async allGatherList(tensor: tf.Tensor): Promise<tf.Tensor[]> {
    const rest = tensor.shape.slice(1);
    const rowSize = rest.reduce((a, b) => a * b, 1);
    const arrays = await this.pg.allGather(dataOf(tensor));
    return arrays.map((values) => tf.tensor(values, tensor.rank === 0 ? [] : [rowSize === 0 ? 0 : values.length / rowSize, ...rest], tensor.dtype));
  }

  /** Tensors and typed arrays travel as binary after a small header; anything else as JSON. Receivers' `value` is ignored. */
  async broadcast<T>(value: T, src: number): Promise<T> {
    const isSource = this.globalRank === src;
    const header = await this.pg.broadcast<BroadcastHeader | null>(isSource ? headerOf(value) : null, src);
    if (!header) throw new Error(`broadcast: rank ${src} sent nothing.`);
    if (header.kind === 'json') return header.value as T;
    const payload = isSource ? (value instanceof tf.Tensor ? dataOf(value) : (value as NumericArray)) : emptyOf(header.dtype);
    const data = await this.pg.broadcast(payload, src);
    return (header.kind === 'tensor' ? tf.tensor(data, header.shape, header.dtype) : data) as T;
  }

  barrier(name?: string): Promise<void> {
    return this.pg.barrier(name);
  }

  async teardown(): Promise<void> {
    await this.group?.close();
  }
}

type BroadcastHeader =
  | { kind: 'json'; value: unknown }
  | { kind: 'tensor'; shape: number[]; dtype: 'float32' | 'int32' }
  | { kind: 'array'; dtype: 'float32' | 'int32' };

function headerOf(value: unknown): BroadcastHeader {
  if (value instanceof tf.Tensor) return { kind: 'tensor', shape: value.shape, dtype: value.dtype === 'int32' ? 'int32' : 'float32' };
  if (value instanceof Float32Array) return { kind: 'array', dtype: 'float32' };
  if (value instanceof Int32Array) return { kind: 'array', dtype: 'int32' };
  return { kind: 'json', value };
}

interface FlatLayout {
  shapes: number[][];
  dtype: 'float32';
}

/** Copies tensors into one Float32Array (the bytes that cross the wire). */
export function flatten(tensors: tf.Tensor[]): { data: Float32Array; layout: FlatLayout } {
  const layout: FlatLayout = { shapes: tensors.map((t) => t.shape), dtype: 'float32' };
  // tfjs-node's dataSync copies every tensor into a fresh array: one concat inside TensorFlow, then one copy out.
  if (tf.getBackend() === 'tensorflow' && tensors.length > 0 && tensors.every((t) => t.dtype === 'float32')) {
    const joined = tf.tidy(() => tf.concat(tensors.map((t) => t.reshape([-1]))));
    const data = joined.dataSync() as Float32Array;
    joined.dispose();
    return { data, layout };
  }
  const total = tensors.reduce((n, t) => n + t.size, 0);
  const data = new Float32Array(total);
  let offset = 0;
  for (const t of tensors) {
    data.set(readFloat32(t), offset);
    offset += t.size;
  }
  return { data, layout };
}

export function unflatten(data: Float32Array, layout: FlatLayout, use: (index: number, values: tf.Tensor) => void, keep = false): void {
  let offset = 0;
  layout.shapes.forEach((shape, index) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const values = tf.tensor(data.subarray(offset, offset + size), shape, 'float32');
    offset += size;
    use(index, values);
    if (!keep) values.dispose();
  });
}

/** The tensor's values as the typed array its dtype calls for (a cast may share the other kind's storage). */
function dataOf(tensor: tf.Tensor): NumericArray {
  const data = tensor.dataSync();
  if (tensor.dtype === 'int32') return data instanceof Int32Array ? data : Int32Array.from(data as ArrayLike<number>);
  return data instanceof Float32Array ? data : Float32Array.from(data as ArrayLike<number>);
}

function emptyOf(dtype: string): NumericArray {
  return dtype === 'int32' ? new Int32Array(0) : new Float32Array(0);
}
