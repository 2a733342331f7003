/** bf16-true and 16-true through Fabric: parameters stay 16-bit values and are stored as BF16 / F16. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../src/checkpoint/safetensors.js';
import { roundToHalf } from '../../src/precision/rounding.js';
import { launchFabric, removeAfterTest } from '../helpers/fabric.js';


describe('bf16-true and 16-true', () => {
  it('keep parameters rounded after every step and store them as BF16 / F16, loading back exactly', async () => {
    for (const [name, dtype, format] of [['bf16-true', 'BF16', 'bf16'], ['16-true', 'F16', 'f16']] as const) {
      const fabric = await launchFabric(name);
      const w = tf.variable(tf.tensor1d([0.1, 0.2, 70000]));
      const model = [w];
      const [, optimizer] = fabric.setup(model, tf.train.sgd(0.01));
      await fabric.backward(() => tf.sum(tf.square(w)));
      await optimizer.step();
      const values = w.dataSync();
      expect(Array.from(values)).toEqual(Array.from(roundToHalf(values, format)));

      const dir = await mkdtemp(join(tmpdir(), 'precision-'));
      removeAfterTest(dir);
      await fabric.save(join(dir, 'ckpt'), { model });
      const entry = (await readSafetensorsFile(join(dir, 'ckpt', 'model.safetensors'))).tensors.get('model.params.0')!;
      expect(entry.dtype).toBe(dtype);
      expect(entry.data.byteLength).toBe(6);
      const restored = tf.variable(tf.zeros([3]));
      const restoredModel = [restored];
      fabric.setup(restoredModel);
      await fabric.load(join(dir, 'ckpt'), { model: restoredModel });
      expect(Array.from(restored.dataSync())).toEqual(Array.from(values));
      tf.dispose([w, restored]);
    }
  });

  it('rounds float32 weights loaded from a 32-true checkpoint', async () => {
    const full = await launchFabric('32-true');
    const w = tf.variable(tf.tensor1d([0.1, 1 + 2 ** -10]));
    const model = [w];
    full.setup(model);
    const dir = await mkdtemp(join(tmpdir(), 'precision-'));
    removeAfterTest(dir);
    await full.save(join(dir, 'ckpt'), { model });
    const fabric = await launchFabric('bf16-true');
    const restored = tf.variable(tf.zeros([2]));
    const restoredModel = [restored];
    fabric.setup(restoredModel);
    await fabric.load(join(dir, 'ckpt'), { model: restoredModel });
    expect(Array.from(restored.dataSync())).toEqual([0.10009765625, 1]);
    tf.dispose([w, restored]);
  });
});
