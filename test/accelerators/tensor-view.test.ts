import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { readFloat32 } from '../../src/accelerators/tensor-view.js';

describe('readFloat32', () => {
  it.each(['wasm', 'cpu'])('gives the values dataSync gives on %s, reading the backend memory in place on wasm', async (backend) => {
    expect(await tf.setBackend(backend)).toBe(true);
    const t = tf.tensor2d([1.5, -2, 3.25, 4, 5, 6], [2, 3]);
    const view = readFloat32(t);
    expect(Array.from(view)).toEqual(Array.from(t.dataSync()));
    // On wasm no copy: the view's buffer is the heap itself, so it is much larger than the tensor.
    if (backend === 'wasm') expect(view.buffer.byteLength).toBeGreaterThan(view.byteLength * 100);
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(Array.from(readFloat32(ints))).toEqual([1, 2]);
    tf.dispose([t, ints]);
  });
});
