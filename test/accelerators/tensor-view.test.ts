import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';
import { readFloat32 } from '../../src/accelerators/tensor-view.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine.js';

// tfjs-node is imported by the native project's setup file only (test/helpers/engine-setup.ts).
const backends = ['wasm', 'cpu', ...(ENGINE_UNDER_TEST === 'tensorflow' ? ['tensorflow'] : [])];

describe('readFloat32', () => {
  it.each(backends)('gives the values dataSync gives on %s, reading the backend memory in place on wasm', async (backend) => {
    expect(await tf.setBackend(backend)).toBe(true);
    const t = tf.tensor2d([1.5, -2, 3.25, 4, 5, 6], [2, 3]);
    const computed = tf.mul(t, 2);
    for (const [tensor, factor] of [[t, 1], [computed, 2]] as const) {
      const view = readFloat32(tensor);
      expect(Array.from(view)).toEqual([1.5, -2, 3.25, 4, 5, 6].map((v) => v * factor));
      // On wasm no copy: the view's buffer is the heap itself, so it is much larger than the tensor.
      if (backend === 'wasm') expect(view.buffer.byteLength).toBeGreaterThan(view.byteLength * 100);
    }
    const ints = tf.tensor1d([1, 2], 'int32');
    expect(Array.from(readFloat32(ints))).toEqual([1, 2]);
    tf.dispose([t, computed, ints]);
  });
});
