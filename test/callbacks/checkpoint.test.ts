import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ModelCheckpoint } from '../../src/callbacks/checkpoint.js';
import { launchFabric, removeAfterTest } from '../helpers/fabric.js';

async function setupRun() {
  const fabric = await launchFabric('32-true');
  const dir = removeAfterTest(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-ckpt-cb-')));
  const weight = tf.variable(tf.tensor1d([1, 2]));
  const [params, optimizer] = fabric.setup([weight], tf.train.sgd(0.1));
  const step = async () => {
    await fabric.backward(() => tf.sum(tf.square(weight)) as tf.Scalar);
    await optimizer.step();
    optimizer.zeroGrad();
  };
  return { fabric, dir, params, optimizer, step };
}

const stepsIn = (dir: string) => fs.readdirSync(dir).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));

describe('ModelCheckpoint', () => {
  it('saves every N steps into step_<S> and keeps the last K', async () => {
    const { fabric, dir, params, optimizer, step } = await setupRun();
    const callback = new ModelCheckpoint(fabric, { model: params, optimizer, note: 'x' }, { dirpath: dir, everyNSteps: 2, keepLast: 2 });
    fabric.callbacks.push(callback);
    for (let i = 0; i < 7; i++) {
      await step();
      await fabric.call('onTrainBatchEnd', { loss: 1 });
    }
    expect(stepsIn(dir)).toEqual(['step_4', 'step_6']);
    const state: Record<string, unknown> = { note: '' };
    await fabric.load(path.join(dir, 'step_6'), state);
    expect(state.note).toBe('x');
  });

  it('always keeps the best checkpoint by the monitored metric, also across a new callback on the same folder (resume)', async () => {
    const { fabric, dir, params, optimizer, step } = await setupRun();
    const losses = [5, 1, 4, 3, 2, 6];
    const first = new ModelCheckpoint(fabric, { model: params, optimizer }, { dirpath: dir, everyEpoch: true, keepLast: 1, monitor: 'val_loss', mode: 'min' });
    for (const loss of losses.slice(0, 3)) {
      await step();
      await first.onTrainEpochEnd(0, { val_loss: loss });
    }
    expect(stepsIn(dir)).toEqual(['step_2', 'step_3']);
    expect(first.bestPath).toBe(path.join(dir, 'step_2'));
    // A resumed run makes a new callback: it reads the scores saved in the checkpoints already there.
    const second = new ModelCheckpoint(fabric, { model: params, optimizer }, { dirpath: dir, everyEpoch: true, keepLast: 1, monitor: 'val_loss', mode: 'min' });
    for (const loss of losses.slice(3)) {
      await step();
      await second.onTrainEpochEnd({ val_loss: loss });
    }
    expect(stepsIn(dir)).toEqual(['step_2', 'step_6']);
  });

  it('saves once per step however often the hook runs, and nothing without a schedule', async () => {
    const { fabric, dir, params, optimizer, step } = await setupRun();
    const idle = new ModelCheckpoint(fabric, { model: params }, { dirpath: path.join(dir, 'idle') });
    const every = new ModelCheckpoint(fabric, { model: params, optimizer }, { dirpath: dir, everyNSteps: 1 });
    await step();
    await idle.onTrainBatchEnd();
    await idle.onTrainEpochEnd();
    await every.onTrainBatchEnd();
    await every.onTrainEpochEnd();
    expect(fs.existsSync(path.join(dir, 'idle'))).toBe(false);
    expect(stepsIn(dir).filter((d) => d.startsWith('step_'))).toEqual(['step_1']);
  });

  it('takes its defaults from the config and rejects bad values', async () => {
    const { fabric, params } = await setupRun();
    expect(() => new ModelCheckpoint(fabric, { model: params }, { dirpath: '/tmp/x', keepLast: 0 })).toThrow(/keepLast must be a whole number/);
    expect(new ModelCheckpoint(fabric, { model: params }).dirpath).toBe(path.resolve('runs', 'checkpoints'));
    const callback = new ModelCheckpoint(fabric, { model: params }, { dirpath: '/tmp/x' });
    expect([callback.everyNSteps, callback.everyEpoch, callback.keepLast, callback.monitor, callback.mode]).toEqual([null, false, null, null, 'min']);
  });
});
