/** Shared helpers for the collectives tests: free ports, N in-process ranks, reference reductions. */
import * as net from 'node:net';
import { ProcessGroup, type ProcessGroupOptions } from '../../src/collectives/process-group.js';
import type { NumericArray, ReduceOp } from '../../src/collectives/types.js';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface Ranks {
  groups: ProcessGroup[];
  logs: string[][];
  port: number;
  close(): Promise<void>;
}

/** `worldSize` ProcessGroups in this process, connected to each other. */
export async function startRanks(worldSize: number, options: Partial<ProcessGroupOptions> | ((rank: number) => Partial<ProcessGroupOptions>) = {}): Promise<Ranks> {
  const port = await freePort();
  const logs: string[][] = Array.from({ length: worldSize }, () => []);
  const groups = await Promise.all(
    Array.from({ length: worldSize }, (_, rank) =>
      ProcessGroup.connect({
        rank,
        worldSize,
        mainAddress: '127.0.0.1',
        mainPort: port,
        token: 'test-token',
        connectTimeoutMs: 20_000,
        log: (message) => logs[rank].push(message),
        ...(typeof options === 'function' ? options(rank) : options),
      }),
    ),
  );
  return { groups, logs, port, close: async () => void (await Promise.all(groups.map((group) => group.close()))) };
}

/** Deterministic pseudo-random values (integers when `integers`, so float sums are exact). */
export function makeArray(dtype: 'float32' | 'int32', length: number, seed: number, integers = true): NumericArray {
  const out = dtype === 'float32' ? new Float32Array(length) : new Int32Array(length);
  let state = (seed * 2654435761) >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    const value = (state % 2001) - 1000;
    out[i] = integers || dtype === 'int32' ? value : value / 7;
  }
  return out;
}

/** The element-wise reduction computed plainly in this process. */
export function reference(inputs: NumericArray[], op: ReduceOp): NumericArray {
  const out = inputs[0].slice();
  for (let r = 1; r < inputs.length; r++) {
    for (let i = 0; i < out.length; i++) {
      const a = out[i];
      const b = inputs[r][i];
      out[i] = op === 'max' ? Math.max(a, b) : op === 'min' ? Math.min(a, b) : out instanceof Int32Array ? (a + b) | 0 : a + b;
    }
  }
  if (op === 'mean') for (let i = 0; i < out.length; i++) out[i] /= inputs.length;
  return out;
}

/** Index of the first element where a and b differ by more than `tolerance` (relative), or -1. */
export function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>, tolerance = 0): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
    if (Math.abs(a[i] - b[i]) > tolerance * Math.max(1, Math.abs(b[i]))) return i;
  }
  return -1;
}
