import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeSafetensors, encodeSafetensors, entryToFloat32, readSafetensorsFile } from '../../src/checkpoint/safetensors.js';
import { CHECKPOINT_FORMAT_VERSION, entryToTensor, halfEntry, readCheckpoint, restoreCheckpoint, saveCheckpoint, type StateFile } from '../../src/checkpoint/state.js';
import { FabricUserError } from '../../src/errors.js';
import { Fabric } from '../../src/fabric.js';
import { resetSeeding } from '../../src/seed.js';
import { FlatLayout } from '../../src/optim/flat-layout.js';
import { FabricOptimizer } from '../../src/wrappers/fabric-optimizer.js';
import { ParamSet } from '../../src/wrappers/param-set.js';
import { userErrorFrom } from '../helpers/user-error.js';

const launched: Fabric[] = [];
let root = '';

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'ckpt-state-'));
});

afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
  resetSeeding();
  delete process.env.FABRIC_GLOBAL_SEED;
  await rm(root, { recursive: true, force: true });
});

async function launchFabric(): Promise<Fabric> {
  const fabric = new Fabric({ accelerator: 'cpu' });
  await fabric.launch();
  launched.push(fabric);
  return fabric;
}

function tinyModel(hidden = 4): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ units: hidden, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
  });
}

const xs = tf.tensor2d(Array.from({ length: 8 }, (_, i) => [Math.sin(i), Math.cos(i), i / 8]));
const ys = tf.tensor2d(Array.from({ length: 8 }, (_, i) => [Math.sin(i) - Math.cos(i)]));

async function train(fabric: Fabric, model: tf.LayersModel, optimizer: FabricOptimizer, steps: number): Promise<number[]> {
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(await fabric.backward(() => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar));
    await optimizer.step();
    optimizer.zeroGrad();
  }
  return losses;
}

/** A model + Adam trained a few steps, built from a seed so a second copy can be made. */
async function trainedAdam(seed: number, steps = 5) {
  const fabric = await launchFabric();
  Fabric.seedEverything(seed);
  const [model, optimizer] = fabric.setup(tinyModel(), tf.train.adam(0.05));
  await train(fabric, model, optimizer, steps);
  return { fabric, model, optimizer };
}

const values = (model: tf.LayersModel) => model.getWeights().map((w) => Array.from(w.dataSync()));

/** Adam's state, wherever it lives: the fused flat optimizer's arrays (cut per parameter) or the tfjs optimizer's slots. */
async function adamState(optimizer: FabricOptimizer) {
  const flat = optimizer.flatState;
  if (flat) {
    const layout = FlatLayout.of(optimizer.params);
    const slots: number[][] = [];
    for (const slot of ['m', 'v']) layout.unflatten(flat.slots[slot]!, (_, v) => slots.push(Array.from(v)));
    return { iterations: flat.iterations, slots, accBeta1: [flat.scalars.accBeta1!], accBeta2: [flat.scalars.accBeta2!] };
  }
  const weights = await optimizer.optimizer.getWeights();
  const slots = weights.slice(1).map((w) => Array.from(w.tensor.dataSync()));
  weights[0].tensor.dispose();
  const internal = optimizer.optimizer as unknown as { accBeta1: tf.Variable; accBeta2: tf.Variable };
  return {
    iterations: optimizer.optimizer.iterations,
    slots,
    accBeta1: Array.from(internal.accBeta1.dataSync()),
    accBeta2: Array.from(internal.accBeta2.dataSync()),
  };
}


describe('save -> load of a LayersModel with Adam', () => {
  it('restores weights, Adam moments, iterations and beta powers bit for bit; training then continues identically', async () => {
    const saved = await trainedAdam(7);
    const reference = await trainedAdam(7); // never saved
    const dir = join(root, 'step_5');
    await saved.fabric.save(dir, { model: saved.model, optimizer: saved.optimizer, step: 5 });

    const target = await launchFabric();
    Fabric.seedEverything(99); // different initial weights
    const [model, optimizer] = target.setup(tinyModel(), tf.train.adam(0.05));
    expect(values(model)).not.toEqual(values(saved.model));
    const state: Record<string, unknown> = { model, optimizer, step: 0 };
    expect(await target.load(dir, state)).toEqual({});
    expect(state.step).toBe(5);

    expect(values(model)).toEqual(values(saved.model));
    const expectedState = await adamState(saved.optimizer);
    expect(expectedState.iterations).toBe(5);
    expect(expectedState.slots).toHaveLength(8);
    expect(await adamState(optimizer)).toEqual(expectedState);
    expect(target.globalStep).toBe(5);

    const resumed = await train(target, model, optimizer, 10);
    const uninterrupted = await train(reference.fabric, reference.model, reference.optimizer, 10);
    expect(resumed).toEqual(uninterrupted);
    expect(values(model)).toEqual(values(reference.model));
    expect(await adamState(optimizer)).toEqual(await adamState(reference.optimizer));
  });

  it('moves Adam state between the fused flat optimizer and a tfjs optimizer in both directions', async () => {
    const saved = await trainedAdam(11);
    expect(saved.optimizer.flat).toBeDefined();
    const dir = join(root, 'fused');
    await saved.fabric.save(dir, { model: saved.model, optimizer: saved.optimizer });
    const expected = await adamState(saved.optimizer);

    // Into tfjs's own Adam (as on the tfjs-node backend), and from there back into a fused one.
    const params = new ParamSet(tinyModel());
    const plain = new FabricOptimizer(tf.train.adam(0.05), params);
    const context = { paramSetFor: (m: unknown) => (m === params ? params : undefined), optimizerFor: () => undefined };
    await restoreCheckpoint(await readCheckpoint(dir), { model: params, optimizer: plain }, context, true);
    expect(await adamState(plain)).toEqual(expected);
    const again = join(root, 'from-tfjs');
    await saveCheckpoint(again, { model: params, optimizer: plain }, context, {});
    const target = await launchFabric();
    const [model, optimizer] = target.setup(tinyModel(), tf.train.adam(0.05));
    await target.load(again, { model, optimizer });
    expect(await adamState(optimizer)).toEqual(expected);
    expect(values(model)).toEqual(values(saved.model));
  });

  it('leaks no tensors on save or on load into an optimizer that already has slots', async () => {
    const { fabric, model, optimizer } = await trainedAdam(3);
    const dir = join(root, 'ckpt');
    let start = tf.memory().numTensors;
    await fabric.save(dir, { model, optimizer });
    expect(tf.memory().numTensors).toBe(start);

    start = tf.memory().numTensors;
    await fabric.load(dir, { model, optimizer });
    expect(tf.memory().numTensors).toBe(start);
    await train(fabric, model, optimizer, 2);
    expect(tf.memory().numTensors).toBe(start);
  });

  it('writes the documented layout with checksums and fabric metadata', async () => {
    const { fabric, model, optimizer } = await trainedAdam(3, 2);
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model, optimizer, epoch: 1 });
    expect((await readdir(dir)).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    const state = JSON.parse(await readFile(join(dir, 'state.json'), 'utf8')) as StateFile;
    expect(state.formatVersion).toBe(CHECKPOINT_FORMAT_VERSION);
    expect(state.json).toEqual({ epoch: 1 });
    expect(state.fabric).toMatchObject({ globalStep: 2, precision: '32-true', strategy: 'single_device', worldSize: 1 });
    for (const file of ['model.safetensors', 'optimizer.safetensors']) {
      expect(state.checksums[file]).toBe(createHash('sha256').update(await readFile(join(dir, file))).digest('hex'));
    }
    const modelFile = await readSafetensorsFile(join(dir, 'model.safetensors'));
    expect([...modelFile.tensors.keys()].sort()).toEqual(['model.layers.0.bias', 'model.layers.0.kernel', 'model.layers.1.bias', 'model.layers.1.kernel']);
    expect(modelFile.tensors.get('model.layers.0.kernel')?.shape).toEqual([3, 4]);
    const optimizerFile = await readSafetensorsFile(join(dir, 'optimizer.safetensors'));
    expect(optimizerFile.tensors.get('optimizer.__iterations__')?.dtype).toBe('I32');
    expect(optimizerFile.tensors.has('optimizer.layers.0.kernel/m')).toBe(true);
    expect(optimizerFile.tensors.has('optimizer.layers.1.bias/v')).toBe(true);
    expect(optimizerFile.tensors.has('optimizer.__scalar__/accBeta1')).toBe(true);
  });
});

describe('plain values, tensors and the remainder', () => {
  it('restores JSON values and tensors into the state object and returns what was not asked for', async () => {
    const fabric = await launchFabric();
    const model = tinyModel();
    fabric.setup(model);
    const dir = join(root, 'ckpt');
    const weights = tf.tensor2d([[1.5, -2], [3, 4]]);
    const counts = tf.tensor1d([1, 2, 3], 'int32');
    await fabric.save(dir, { model, hparams: { lr: 0.1, layers: [4, 1], name: 'x' }, weights, counts, note: 'hi', epoch: 3, best: null });

    const state: Record<string, unknown> = { hparams: null, weights: null, counts: null, best: undefined };
    const rest = await fabric.load(dir, state);
    expect(state.hparams).toEqual({ lr: 0.1, layers: [4, 1], name: 'x' });
    expect((state.weights as tf.Tensor).arraySync()).toEqual([[1.5, -2], [3, 4]]);
    expect((state.counts as tf.Tensor).dtype).toBe('int32');
    expect((state.counts as tf.Tensor).arraySync()).toEqual([1, 2, 3]);
    expect(state.best).toBeNull();
    expect(Object.keys(rest).sort()).toEqual(['epoch', 'model', 'note']);
    expect(rest.epoch).toBe(3);
    expect(rest.note).toBe('hi');
    const restModel = rest.model as Record<string, tf.Tensor>;
    expect(Object.keys(restModel).sort()).toEqual(['layers.0.bias', 'layers.0.kernel', 'layers.1.bias', 'layers.1.kernel']);
    expect(Array.from(restModel['layers.0.kernel'].dataSync())).toEqual(Array.from(model.getWeights()[0].dataSync()));
    tf.dispose([weights, counts, state.weights as tf.Tensor, state.counts as tf.Tensor, ...Object.values(restModel)]);
  });

  it('refuses values with no JSON form, naming the entry, and writes nothing', async () => {
    const fabric = await launchFabric();
    const dir = join(root, 'ckpt');
    const error = await userErrorFrom(fabric.save(dir, { step: 1, schedule: () => 0.1 }));
    expect(error.message).toMatch(/'schedule'/);
    expect(error.message).toMatch(/JSON/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect((await userErrorFrom(fabric.save(dir, { circular }))).message).toMatch(/'circular'/);
    expect(await readdir(root)).toEqual([]);
  });

  it('saves only what the filter keeps', async () => {
    const fabric = await launchFabric();
    const model = tinyModel();
    fabric.setup(model);
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model }, { filter: { model: (name) => name.endsWith('.kernel') } });
    const file = await readSafetensorsFile(join(dir, 'model.safetensors'));
    expect([...file.tensors.keys()].sort()).toEqual(['model.layers.0.kernel', 'model.layers.1.kernel']);

    const other = tinyModel();
    fabric.setup(other);
    const biasesBefore = [values(other)[1], values(other)[3]];
    expect((await userErrorFrom(fabric.load(dir, { model: other }))).message).toMatch(/missing keys: layers\.0\.bias, layers\.1\.bias/);
    await fabric.load(dir, { model: other }, { strict: false });
    const after = values(other);
    expect(after[0]).toEqual(values(model)[0]);
    expect(after[2]).toEqual(values(model)[2]);
    expect([after[1], after[3]]).toEqual(biasesBefore);
  });
});

describe('strict loading and mismatches', () => {
  async function savedModel() {
    const fabric = await launchFabric();
    const model = tinyModel();
    fabric.setup(model);
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model, step: 1 });
    return { fabric, model, dir };
  }

  it('lists the keys the checkpoint lacks; strict: false skips them', async () => {
    const { fabric, model, dir } = await savedModel();
    const error = await userErrorFrom(fabric.load(dir, { model, optimizerState: {}, extra: 1 }));
    expect(error.message).toContain("'optimizerState', 'extra'");
    expect(error.message).toContain('model, step');
    const state: Record<string, unknown> = { model, extra: 1 };
    expect(await fabric.load(dir, state, { strict: false })).toEqual({ step: 1 });
    expect(state.extra).toBe(1);
  });

  it('lists missing and unexpected parameters of a differently built model', async () => {
    const { fabric, dir } = await savedModel();
    const bigger = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 }), tf.layers.dense({ units: 1 })],
    });
    fabric.setup(bigger);
    expect((await userErrorFrom(fabric.load(dir, { model: bigger }))).message).toMatch(/missing keys: layers\.2\.kernel, layers\.2\.bias/);
    const noBias = tf.sequential({
      layers: [tf.layers.dense({ units: 4, inputShape: [3], useBias: false }), tf.layers.dense({ units: 1, useBias: false })],
    });
    fabric.setup(noBias);
    expect((await userErrorFrom(fabric.load(dir, { model: noBias }))).message).toMatch(/unexpected keys: layers\.0\.bias, layers\.1\.bias/);
  });

  it('names the tensor and both shapes on a shape mismatch and loads nothing', async () => {
    const { fabric, dir } = await savedModel();
    // Only the first kernel differs ([2,4] here, [3,4] saved); the other three tensors would fit.
    const narrowInput = tf.sequential({ layers: [tf.layers.dense({ units: 4, inputShape: [2] }), tf.layers.dense({ units: 1 })] });
    fabric.setup(narrowInput);
    const before = values(narrowInput);
    const error = await userErrorFrom(fabric.load(dir, { model: narrowInput }));
    expect(error.message).toContain("'layers.0.kernel'");
    expect(error.message).toContain('[3,4]');
    expect(error.message).toContain('[2,4]');
    expect(error.message).toContain(join(dir, 'model.safetensors'));
    expect(values(narrowInput)).toEqual(before);
  });

  it('says when an entry was saved as another kind or another optimizer class', async () => {
    const fabric = await launchFabric();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.adam(0.01));
    await train(fabric, model, optimizer, 1);
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model, optimizer, step: 1 });
    expect((await userErrorFrom(fabric.load(dir, { step: model }))).message).toMatch(/stores 'step' as a plain value/);
    const [, sgd] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    expect((await userErrorFrom(fabric.load(dir, { optimizer: sgd }))).message).toMatch(/AdamOptimizer.*SGDOptimizer|Adam.*SGD/);
    await expect(fabric.save(dir, { optimizer: tf.train.adam(0.1) })).rejects.toThrow(/fabric\.setup/);
  });
});

describe('damaged or missing checkpoints', () => {
  it('names the file whose bytes changed', async () => {
    const fabric = await launchFabric();
    const model = tinyModel();
    fabric.setup(model);
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model });
    const file = join(dir, 'model.safetensors');
    const bytes = await readFile(file);
    bytes[bytes.length - 3] ^= 0x01;
    await writeFile(file, bytes);
    const error = await userErrorFrom(fabric.load(dir, { model }));
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/corrupt/);
  });

  it('explains a missing path and a directory that is not a checkpoint', async () => {
    const fabric = await launchFabric();
    expect((await userErrorFrom(fabric.load(join(root, 'nope')))).message).toMatch(/does not exist/);
    await mkdir(join(root, 'empty'));
    expect((await userErrorFrom(fabric.load(join(root, 'empty')))).message).toMatch(/state\.json.*loadRaw/);
    await writeFile(join(root, 'empty', 'state.json'), '{ not json');
    expect((await userErrorFrom(fabric.load(join(root, 'empty')))).message).toMatch(/not valid JSON/);
  });
});

describe('atomic writes', () => {
  it('leaves no temp directories and replaces an existing checkpoint whole', async () => {
    const fabric = await launchFabric();
    const model = tinyModel();
    fabric.setup(model);
    const dir = join(root, 'step_1');
    await fabric.save(dir, { model, step: 1 });
    await fabric.save(dir, { step: 2 });
    expect(await readdir(root)).toEqual(['step_1']);
    expect((await readdir(dir)).sort()).toEqual(['state.json']);
    expect(await fabric.load(dir, {})).toEqual({ step: 2 });
    // A failed save keeps the previous checkpoint.
    await expect(fabric.save(dir, { bad: () => 1 })).rejects.toThrow(FabricUserError);
    expect(await readdir(root)).toEqual(['step_1']);
    expect(await fabric.load(dir, {})).toEqual({ step: 2 });
  });
});

describe('entryToTensor', () => {
  it('reads int32 entries that are views into a larger buffer', () => {
    const backing = new Uint8Array(32);
    new DataView(backing.buffer).setInt32(8, -7, true);
    new DataView(backing.buffer).setInt32(12, 9, true);
    const tensor = entryToTensor({ dtype: 'I32', shape: [2], data: backing.subarray(8, 16) }, 'x', 'f');
    expect(tensor.dtype).toBe('int32');
    expect(Array.from(tensor.dataSync())).toEqual([-7, 9]);
    tensor.dispose();
  });
});

describe('halfEntry', () => {
  it('writes BF16 / F16 entries that round trip through the safetensors writer and reader', () => {
    const values = new Float32Array([1, -0, 65504, 2 ** -24, 0.1, Infinity]);
    const bf16 = halfEntry(values, [2, 3], 'bf16');
    const f16 = halfEntry(values, [6], 'f16');
    expect([bf16.dtype, f16.dtype, bf16.data.byteLength, f16.data.byteLength]).toEqual(['BF16', 'F16', 12, 12]);
    // Little-endian 16-bit patterns: 1.0 is 0x3f80 in bf16 and 0x3c00 in float16.
    expect([bf16.data[0], bf16.data[1], f16.data[0], f16.data[1]]).toEqual([0x80, 0x3f, 0x00, 0x3c]);
    const decoded = decodeSafetensors(encodeSafetensors({ bf16, f16 }), 'half.safetensors').tensors;
    expect(decoded.get('bf16')!.shape).toEqual([2, 3]);
    expect(Array.from(entryToFloat32(decoded.get('f16')!, 'f16', 'half.safetensors'))).toEqual([1, -0, 65504, 2 ** -24, 0.0999755859375, Infinity]);
    expect(Array.from(entryToFloat32(decoded.get('bf16')!, 'bf16', 'half.safetensors'))).toEqual([1, -0, 65536, 2 ** -24, 0.10009765625, Infinity]);
  });
});
