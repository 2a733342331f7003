import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { materializeVariable, releaseVariable } from '../../src/strategies/variable-storage.js';

describe('releasing and materialising a variable (fsdp between steps)', () => {
  it('frees its buffer, explains reads while empty, and comes back with new values', () => {
    const variable = tf.variable(tf.tensor2d([1, 2, 3, 4], [2, 2]));
    const before = tf.memory();
    releaseVariable(variable, () => new Error('released on purpose'));
    expect(tf.memory().numBytes).toBe(before.numBytes - 16);
    expect(tf.memory().numTensors).toBe(before.numTensors - 1);
    expect(() => variable.dataSync()).toThrow('released on purpose');
    expect(() => variable.arraySync()).toThrow('released on purpose');

    materializeVariable(variable, Float32Array.from([5, 6, 7, 8]));
    expect(tf.memory()).toMatchObject({ numBytes: before.numBytes, numTensors: before.numTensors });
    expect(Array.from(variable.dataSync())).toEqual([5, 6, 7, 8]);
    // It works in ops and can be assigned and disposed as usual afterwards.
    const doubled = tf.mul(variable, 2);
    expect(Array.from(doubled.dataSync())).toEqual([10, 12, 14, 16]);
    doubled.dispose();
    tf.tidy(() => variable.assign(tf.zeros([2, 2])));
    variable.dispose();
    expect(tf.memory().numTensors).toBe(before.numTensors - 1);
  });
});
