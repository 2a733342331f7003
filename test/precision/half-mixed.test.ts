/** bf16-mixed and 16-mixed through Fabric: rounded forward, float32 masters, loss scaling, checkpoints. */
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { readSafetensorsFile } from '../../src/checkpoint/safetensors.js';
import { launchFabric, removeAfterTest } from '../helpers/fabric.js';


describe('bf16-mixed', () => {
  it('computes gradients at bf16-rounded parameters and keeps the float32 masters', async () => {
    const fabric = await launchFabric('bf16-mixed');
    const w = tf.variable(tf.tensor1d([1 + 2 ** -10, 3]));
    const [, optimizer] = fabric.setup([w], tf.train.sgd(0));
    const before = tf.memory().numTensors;
    const loss = await fabric.backward(() => tf.sum(tf.square(w)));
    // bf16 has 8 significant bits: 1 + 2^-10 rounds to 1, so the loss is 1 + 9 and the gradient 2w = [2, 6].
    expect(loss).toBe(10);
    expect(Array.from(optimizer.params.grads.get('params.0')!.dataSync())).toEqual([2, 6]);
    expect(Array.from(w.dataSync())).toEqual([1 + 2 ** -10, 3]);
    optimizer.zeroGrad();
    expect(tf.memory().numTensors).toBe(before);
    w.dispose();
  });

  it('autocast rounds the tensors the function returns and lets gradients through', async () => {
    const fabric = await launchFabric('bf16-mixed');
    const x = tf.tensor1d([0.1, 1 + 2 ** -10]);
    const rounded = fabric.autocast(() => tf.mul(x, 1));
    expect(Array.from(rounded.dataSync())).toEqual([0.10009765625, 1]);
    const grad = tf.grad((t: tf.Tensor) => tf.sum(fabric.autocast(() => tf.mul(t, 2))))(x);
    expect(Array.from(grad.dataSync())).toEqual([2, 2]);
    tf.dispose([x, rounded, grad]);
  });
});

describe('16-mixed', () => {
  it('returns the unscaled loss and unscales gradients before clipping', async () => {
    const fabric = await launchFabric('16-mixed');
    const w = tf.variable(tf.tensor1d([3, 4]));
    const model = [w];
    fabric.setup(model, tf.train.sgd(0.1));
    const loss = await fabric.backward(() => tf.mul(tf.sum(tf.square(w)), 0.5));
    expect(loss).toBe(12.5);
    // The gradient is w itself, norm 5 at scale 1 (65536 times that if unscaling were missing).
    expect(await fabric.clipGradients(model, undefined, { maxNorm: 100 })).toBeCloseTo(5, 5);
    w.dispose();
  });

  it('skips the optimizer step on an injected inf, halves the scale, saves and restores the scaler', async () => {
    const fabric = await launchFabric('16-mixed');
    const w = tf.variable(tf.tensor1d([1, 2]));
    const model = [w];
    const [, optimizer] = fabric.setup(model, tf.train.sgd(0.5));
    await fabric.backward(() => tf.sum(tf.mul(w, tf.tensor1d([Infinity, 1]))));
    await optimizer.step();
    optimizer.zeroGrad();
    expect(Array.from(w.dataSync())).toEqual([1, 2]);
    expect(optimizer.skippedSteps).toBe(1);
    expect(fabric.globalStep).toBe(0);

    await fabric.backward(() => tf.sum(w));
    await optimizer.step();
    expect(Array.from(w.dataSync())).toEqual([0.5, 1.5]);
    expect(fabric.globalStep).toBe(1);

    const dir = await mkdtemp(join(tmpdir(), 'precision-'));
    removeAfterTest(dir);
    await fabric.save(join(dir, 'ckpt'), { model, optimizer });
    const state = JSON.parse(await readFile(join(dir, 'ckpt', 'state.json'), 'utf8'));
    expect(state.fabric.precisionState).toEqual({ lossScaler: { scale: 2 ** 15, growthTracker: 1 } });
    // Mixed precision's master weights stay float32 on disk.
    expect((await readSafetensorsFile(join(dir, 'ckpt', 'model.safetensors'))).tensors.get('model.params.0')!.dtype).toBe('F32');

    const other = await launchFabric('16-mixed');
    const w2 = tf.variable(tf.zeros([2]));
    const model2 = [w2];
    const [, optimizer2] = other.setup(model2, tf.train.sgd(0.5));
    await other.load(join(dir, 'ckpt'), { model: model2, optimizer: optimizer2 });
    expect(Array.from(w2.dataSync())).toEqual([0.5, 1.5]);
    const loss = await other.backward(() => tf.sum(w2));
    expect(loss).toBe(2);
    tf.dispose([w, w2]);
  });
});
