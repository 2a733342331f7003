import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeSafetensors, float32Entry } from '../src/checkpoint/safetensors.js';
import { DataLoader } from '../src/data/dataloader.js';
import { FabricUserError } from '../src/errors.js';
import { Fabric, type FabricOptions } from '../src/fabric.js';
import type { Logger } from '../src/loggers/logger.js';
import { getRngState, resetSeeding } from '../src/seed.js';
import { writeFile } from 'node:fs/promises';

const savedEnv = { ...process.env };
const launched: Fabric[] = [];
let root = '';

function restoreEnv(): void {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
}

beforeEach(async () => {
  for (const key of Object.keys(process.env)) if (key.startsWith('FABRIC_')) delete process.env[key];
  root = await mkdtemp(join(tmpdir(), 'fabric-test-'));
});

afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
  resetSeeding();
  restoreEnv();
  vi.restoreAllMocks();
  await rm(root, { recursive: true, force: true });
});

async function launchFabric(options: FabricOptions = {}): Promise<Fabric> {
  const fabric = new Fabric({ accelerator: 'cpu', ...options });
  await fabric.launch();
  launched.push(fabric);
  return fabric;
}

function tinyModel(): tf.Sequential {
  return tf.sequential({
    layers: [tf.layers.dense({ units: 4, inputShape: [3], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
  });
}

/** A fixed regression problem (no randomness): y = x0 - 2 x1 + 0.5 x2. */
function toyData(rows = 16): { xs: tf.Tensor2D; ys: tf.Tensor2D } {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let i = 0; i < rows; i++) {
    const row = [Math.sin(i), Math.cos(i * 0.7), (i % 5) / 5 - 0.4];
    x.push(row);
    y.push([row[0] - 2 * row[1] + 0.5 * row[2]]);
  }
  return { xs: tf.tensor2d(x), ys: tf.tensor2d(y) };
}

function mseLoss(model: tf.LayersModel, xs: tf.Tensor, ys: tf.Tensor): () => tf.Scalar {
  return () => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar;
}

function weightValues(model: tf.LayersModel): number[][] {
  return model.getWeights().map((w) => Array.from(w.dataSync()));
}

function gradValues(fabric: Fabric, model: tf.LayersModel): Record<string, number[]> {
  const params = fabric.setupModule(model);
  return Object.fromEntries([...params.grads].map(([name, grad]) => [name, Array.from(grad.dataSync())]));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  const result = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(result).toBeInstanceOf(Error);
  return result as Error;
}

describe('launch', () => {
  it('exposes the single-rank world and the chosen backend', async () => {
    const fabric = await launchFabric();
    expect(fabric.globalRank).toBe(0);
    expect(fabric.localRank).toBe(0);
    expect(fabric.nodeRank).toBe(0);
    expect(fabric.worldSize).toBe(1);
    expect(fabric.isGlobalZero).toBe(true);
    expect(fabric.backend).toBe(tf.getBackend());
    expect(fabric.device).toBe(`cpu:0 (${tf.getBackend()})`);
    expect(fabric.precision).toBe('32-true');
    expect(fabric.strategy.name).toBe('single_device');
    expect(fabric.tf).toBe(tf);
  });

  it('runs the given function with the fabric and returns its result', async () => {
    const fabric = new Fabric({ accelerator: 'cpu' });
    launched.push(fabric);
    const result = await fabric.launch(async (f) => {
      expect(f).toBe(fabric);
      return f.worldSize + 41;
    });
    expect(result).toBe(42);
  });

  it('explains that launch() must come first', () => {
    const fabric = new Fabric({ accelerator: 'cpu' });
    expect(() => fabric.worldSize).toThrow(/fabric\.launch\(\)/);
    expect(() => fabric.setup(tinyModel())).toThrow(/fabric\.launch\(\)/);
  });

  it('does not send progress messages to a parent process unless the CLI started it', async () => {
    // vitest's own workers have an IPC channel: Fabric must not talk to an unrelated parent.
    const send = vi.fn(() => true);
    const hadSend = Object.hasOwn(process, 'send');
    const originalSend = process.send;
    const originalConnected = Object.getOwnPropertyDescriptor(process, 'connected');
    process.send = send as unknown as typeof process.send;
    Object.defineProperty(process, 'connected', { value: true, configurable: true });
    try {
      const fabric = await launchFabric();
      fabric.log('loss', 1);
      await fabric.teardown();
      expect(send).not.toHaveBeenCalled();

      process.env.FABRIC_CLI = '1';
      const underCli = await launchFabric();
      await underCli.teardown();
      expect(send).toHaveBeenCalledWith(expect.objectContaining({ type: 'start', rank: 0 }));
      expect(send).toHaveBeenCalledWith(expect.objectContaining({ type: 'end', rank: 0 }));
    } finally {
      if (hadSend) process.send = originalSend;
      else delete (process as { send?: unknown }).send;
      if (originalConnected) Object.defineProperty(process, 'connected', originalConnected);
      else delete (process as { connected?: unknown }).connected;
    }
  });
});

describe('backward and optimizer.step', () => {
  it('changes the weights and lowers the loss', async () => {
    const fabric = await launchFabric();
    Fabric.seedEverything(1);
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    const before = weightValues(model);
    const losses: number[] = [];
    for (let i = 0; i < 30; i++) {
      losses.push(await fabric.backward(mseLoss(model, xs, ys)));
      await optimizer.step();
      optimizer.zeroGrad();
    }
    const after = weightValues(model);
    after.forEach((values, i) => expect(values).not.toEqual(before[i]));
    expect(losses[29]).toBeLessThan(losses[0] * 0.5);
    // The returned number is the loss of the weights before the step.
    const expected = tf.tidy(() => mseLoss(model, xs, ys)().dataSync()[0]);
    expect(await fabric.backward(mseLoss(model, xs, ys))).toBe(expected);
    optimizer.zeroGrad();
    tf.dispose([xs, ys]);
  });

  it('keeps the tensor count flat over 100 training steps', async () => {
    const fabric = await launchFabric();
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.adam(0.01));
    const trainStep = async () => {
      await fabric.backward(mseLoss(model, xs, ys));
      await fabric.clipGradients(model, optimizer, { maxNorm: 1 });
      await optimizer.step();
      optimizer.zeroGrad();
      fabric.log('loss', 1);
    };
    await trainStep(); // creates Adam's slots
    const start = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await trainStep();
    expect(tf.memory().numTensors).toBe(start);
    expect(optimizer.stepCount).toBe(101);
    tf.dispose([xs, ys]);
  });

  it('explains that backward needs a model set up first', async () => {
    const fabric = await launchFabric();
    const error = await rejection(fabric.backward(() => tf.scalar(1)));
    expect(error).toBeInstanceOf(FabricUserError);
    expect(error.message).toMatch(/fabric\.setup\(model, optimizer\)/);
    const other = tinyModel();
    fabric.setup(tinyModel());
    const unknownModel = await rejection(fabric.backward(() => tf.scalar(1), { model: other }));
    expect(unknownModel).toBeInstanceOf(FabricUserError);
    expect(unknownModel.message).toMatch(/not set up/);
  });

  it('explains that step needs backward first, also after zeroGrad', async () => {
    const fabric = await launchFabric();
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    expect((await rejection(optimizer.step())).message).toMatch(/fabric\.backward/);
    await fabric.backward(mseLoss(model, xs, ys));
    optimizer.zeroGrad();
    expect((await rejection(optimizer.step())).message).toMatch(/fabric\.backward/);
    expect(optimizer.stepCount).toBe(0);
    tf.dispose([xs, ys]);
  });

  it('with { model } computes gradients for that model only', async () => {
    const fabric = await launchFabric();
    const { xs, ys } = toyData();
    const [a] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    const [b] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    await fabric.backward(mseLoss(a, xs, ys), { model: a });
    expect(fabric.setupModule(a).grads.size).toBe(4);
    expect(fabric.setupModule(b).grads.size).toBe(0);
    fabric.setupModule(a).zeroGrad();
    tf.dispose([xs, ys]);
  });
});

describe('gradient accumulation', () => {
  it('two backward calls before one step equal one backward on the summed loss', async () => {
    const fabric = await launchFabric();
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    const firstHalf = () => tf.losses.meanSquaredError(ys.slice(0, 8), model.predict(xs.slice(0, 8)) as tf.Tensor) as tf.Scalar;
    const secondHalf = () => tf.losses.meanSquaredError(ys.slice(8, 8), model.predict(xs.slice(8, 8)) as tf.Tensor) as tf.Scalar;

    await fabric.backward(() => tf.add(firstHalf(), secondHalf()) as tf.Scalar);
    const summed = gradValues(fabric, model);
    optimizer.zeroGrad();
    expect(fabric.setupModule(model).grads.size).toBe(0);

    await fabric.backward(firstHalf);
    const first = gradValues(fabric, model);
    await fabric.backward(secondHalf);
    const accumulated = gradValues(fabric, model);

    expect(Object.keys(accumulated)).toEqual(['layers.0.kernel', 'layers.0.bias', 'layers.1.kernel', 'layers.1.bias']);
    for (const [name, values] of Object.entries(summed)) {
      expect(accumulated[name]).not.toEqual(first[name]);
      values.forEach((v, i) => expect(accumulated[name][i]).toBeCloseTo(v, 6));
    }
    optimizer.zeroGrad();
    tf.dispose([xs, ys]);
  });

  it('noBackwardSync skips the gradient sync inside and returns the function result', async () => {
    const fabric = await launchFabric();
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    const reduce = vi.spyOn(fabric.strategy, 'reduceGradients');
    const result = await fabric.noBackwardSync(model, true, async () => {
      await fabric.backward(mseLoss(model, xs, ys));
      return 'inner';
    });
    expect(result).toBe('inner');
    expect(reduce).not.toHaveBeenCalled();
    await fabric.noBackwardSync(model, false, () => fabric.backward(mseLoss(model, xs, ys)));
    expect(reduce).toHaveBeenCalledTimes(1);
    await fabric.backward(mseLoss(model, xs, ys));
    expect(reduce).toHaveBeenCalledTimes(2);
    // The sync flag is restored even when the function throws.
    await expect(fabric.noBackwardSync(model, true, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await fabric.backward(mseLoss(model, xs, ys));
    expect(reduce).toHaveBeenCalledTimes(3);
    optimizer.zeroGrad();
    tf.dispose([xs, ys]);
  });
});

describe('clipGradients', () => {
  async function withGradients() {
    const fabric = await launchFabric();
    Fabric.seedEverything(3);
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    await fabric.backward(mseLoss(model, xs, ys));
    tf.dispose([xs, ys]);
    return { fabric, model, optimizer, grads: gradValues(fabric, model) };
  }

  it('maxNorm returns the global norm before clipping and scales the gradients down to it', async () => {
    const { fabric, model, optimizer, grads } = await withGradients();
    const handNorm = Math.sqrt(Object.values(grads).flat().reduce((sum, g) => sum + g * g, 0));
    const maxNorm = handNorm / 4;
    const start = tf.memory().numTensors;
    const norm = await fabric.clipGradients(model, optimizer, { maxNorm });
    expect(tf.memory().numTensors).toBe(start);
    expect(norm).toBeCloseTo(handNorm, 5);
    const clipped = gradValues(fabric, model);
    const coefficient = maxNorm / (handNorm + 1e-6);
    for (const [name, values] of Object.entries(grads)) values.forEach((g, i) => expect(clipped[name][i]).toBeCloseTo(g * coefficient, 6));
    const newNorm = Math.sqrt(Object.values(clipped).flat().reduce((sum, g) => sum + g * g, 0));
    expect(newNorm).toBeCloseTo(maxNorm, 5);
    optimizer.zeroGrad();
  });

  it('maxNorm above the norm leaves the gradients alone; normType Infinity uses the largest magnitude', async () => {
    const { fabric, model, optimizer, grads } = await withGradients();
    const flat = Object.values(grads).flat();
    const handNorm = Math.sqrt(flat.reduce((sum, g) => sum + g * g, 0));
    expect(await fabric.clipGradients(model, optimizer, { maxNorm: handNorm * 10 })).toBeCloseTo(handNorm, 5);
    expect(gradValues(fabric, model)).toEqual(grads);
    const maxAbs = Math.max(...flat.map(Math.abs));
    expect(await fabric.clipGradients(model, optimizer, { maxNorm: 1e9, normType: Infinity })).toBeCloseTo(maxAbs, 6);
    optimizer.zeroGrad();
  });

  it('clipVal clamps every gradient element', async () => {
    const { fabric, model, optimizer, grads } = await withGradients();
    const flat = Object.values(grads).flat().map(Math.abs).sort((a, b) => a - b);
    const clipVal = flat[Math.floor(flat.length / 2)];
    await fabric.clipGradients(model, optimizer, { clipVal });
    const clipped = gradValues(fabric, model);
    for (const [name, values] of Object.entries(grads)) {
      values.forEach((g, i) => expect(clipped[name][i]).toBeCloseTo(Math.min(clipVal, Math.max(-clipVal, g)), 7));
    }
    expect(Object.values(clipped).flat().some((g) => Math.abs(g) === Math.fround(clipVal))).toBe(true);
    optimizer.zeroGrad();
  });

  it('needs exactly one of maxNorm and clipVal', async () => {
    const { fabric, model, optimizer } = await withGradients();
    await expect(fabric.clipGradients(model, optimizer, { maxNorm: 1, clipVal: 1 })).rejects.toThrow(/exactly one/);
    await expect(fabric.clipGradients(model, optimizer, {})).rejects.toThrow(/exactly one/);
    optimizer.zeroGrad();
  });
});

describe('seedEverything', () => {
  async function curve(seed: number): Promise<{ initial: number[][]; losses: number[] }> {
    const fabric = await launchFabric();
    expect(Fabric.seedEverything(seed)).toBe(seed);
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.adam(0.05));
    const initial = weightValues(model);
    const losses: number[] = [];
    for (let i = 0; i < 20; i++) {
      losses.push(await fabric.backward(mseLoss(model, xs, ys)));
      await optimizer.step();
      optimizer.zeroGrad();
    }
    tf.dispose([xs, ys]);
    return { initial, losses };
  }

  it('the same seed gives identical initial weights and an identical loss curve, bit for bit', async () => {
    const a = await curve(1234);
    const b = await curve(1234);
    expect(b.initial).toEqual(a.initial);
    expect(b.losses).toEqual(a.losses);
    b.losses.forEach((loss, i) => expect(Object.is(loss, a.losses[i])).toBe(true));
  });

  it('a different seed gives different weights and losses', async () => {
    const a = await curve(1234);
    const c = await curve(1235);
    expect(c.initial).not.toEqual(a.initial);
    expect(c.losses).not.toEqual(a.losses);
  });
});

describe('log and logDict', () => {
  function recordingLogger(): Logger & { calls: [Record<string, number>, number][]; hparams: Record<string, unknown>[]; closed: boolean } {
    return {
      name: 'memory',
      calls: [],
      hparams: [],
      closed: false,
      logMetrics(metrics, step) {
        this.calls.push([metrics, step]);
      },
      logHyperparams(params) {
        this.hparams.push(params);
      },
      flush() {},
      close() {
        this.closed = true;
      },
    };
  }

  it('sends numbers to a Logger given in the options, converting scalar tensors', async () => {
    const logger = recordingLogger();
    const fabric = await launchFabric({ loggers: [logger] });
    expect(fabric.logger).toBe(logger);
    const scalar = tf.scalar(0.25);
    fabric.log('loss', scalar);
    fabric.logDict({ acc: 0.5, lr: tf.tensor1d([0.125]) }, 7);
    fabric.logHyperparams({ batchSize: 4 });
    expect(logger.calls).toEqual([
      [{ loss: 0.25 }, 0],
      [{ acc: 0.5, lr: 0.125 }, 7],
    ]);
    expect(logger.hparams).toEqual([{ batchSize: 4 }]);
    fabric.log('loss', 1);
    expect(logger.calls[2]).toEqual([{ loss: 1 }, 1]);
    await fabric.teardown();
    expect(logger.closed).toBe(true);
    scalar.dispose();
  });

  it('rejects non-scalar tensors and values that are not numbers', async () => {
    const logger = recordingLogger();
    const fabric = await launchFabric({ loggers: [logger] });
    const vector = tf.tensor1d([1, 2]);
    expect(() => fabric.log('loss', vector)).toThrow(/expected a scalar.*\[2\]/);
    expect(() => fabric.log('loss', 'high' as unknown as number)).toThrow(/expected a number or scalar tensor/);
    expect(logger.calls).toEqual([]);
    vector.dispose();
  });

  it('defaults the step to the optimizer steps taken', async () => {
    const logger = recordingLogger();
    const fabric = await launchFabric({ loggers: [logger] });
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    fabric.log('loss', 1);
    for (let i = 0; i < 3; i++) {
      await fabric.backward(mseLoss(model, xs, ys));
      await optimizer.step();
      optimizer.zeroGrad();
    }
    fabric.log('loss', 2);
    fabric.log('loss', 3, 100);
    expect(fabric.globalStep).toBe(3);
    expect(logger.calls.map(([, step]) => step)).toEqual([0, 3, 100]);
    tf.dispose([xs, ys]);
  });
});

describe('call', () => {
  it('runs the hook on each callback in order, awaiting async ones and skipping those without it', async () => {
    const order: string[] = [];
    const first = {
      async onTrainBatchEnd(step: number) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        order.push(`first:${step}`);
      },
    };
    const withoutHook = { onValidationEnd: () => order.push('wrong hook') };
    const second = {
      prefix: 'second',
      onTrainBatchEnd(step: number) {
        order.push(`${this.prefix}:${step}`);
      },
    };
    const fabric = await launchFabric({ callbacks: [first, withoutHook, second] });
    await fabric.call('onTrainBatchEnd', 5);
    expect(order).toEqual(['first:5', 'second:5']);
  });
});

describe('collectives on one rank', () => {
  it('are identities that hand back new tensors', async () => {
    const fabric = await launchFabric();
    const x = tf.tensor2d([
      [1, 2],
      [3, 4],
    ]);
    const reduced = await fabric.allReduce(x, 'sum');
    expect(reduced).not.toBe(x);
    expect(reduced.arraySync()).toEqual(x.arraySync());
    reduced.dispose();
    expect(x.isDisposed).toBe(false);
    const gathered = await fabric.allGather(x);
    expect(gathered.shape).toEqual([1, 2, 2]);
    expect(gathered.arraySync()).toEqual([x.arraySync()]);
    const value = { a: 1 };
    expect(await fabric.broadcast(value)).toBe(value);
    await expect(fabric.barrier('sync')).resolves.toBeUndefined();
    expect(await fabric.rankZeroFirst(() => 'done')).toBe('done');
    tf.dispose([x, gathered]);
  });
});

describe('setupDataloaders, print', () => {
  it('gives a loader all the data on one rank', async () => {
    const fabric = await launchFabric();
    const [loader] = fabric.setupDataloaders(new DataLoader([1, 2, 3, 4, 5], { batchSize: 2 }));
    expect([...loader]).toEqual([[1, 2], [3, 4], [5]]);
  });

  it('prints on rank zero', async () => {
    const fabric = await launchFabric();
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    fabric.print('hello', 1);
    expect(log).toHaveBeenCalledWith('hello', 1);
  });
});

describe('save, load and loadRaw (Fabric side)', () => {
  it('restores the step count and the random stream', async () => {
    const fabric = await launchFabric();
    Fabric.seedEverything(9);
    const { xs, ys } = toyData();
    const [model, optimizer] = fabric.setup(tinyModel(), tf.train.sgd(0.1));
    for (let i = 0; i < 2; i++) {
      await fabric.backward(mseLoss(model, xs, ys));
      await optimizer.step();
      optimizer.zeroGrad();
    }
    const dir = join(root, 'ckpt');
    await fabric.save(dir, { model, optimizer });
    const rngAtSave = getRngState();
    const expectedDraws = [Math.random(), Math.random()];

    const fresh = await launchFabric();
    const [model2] = fresh.setup(tinyModel());
    const rest = await fresh.load(dir, { model: model2 });
    expect(Object.keys(rest)).toEqual(['optimizer']);
    tf.dispose(Object.values(rest.optimizer as Record<string, tf.Tensor>));
    expect(fresh.globalStep).toBe(2);
    expect(getRngState()).toEqual(rngAtSave);
    expect([Math.random(), Math.random()]).toEqual(expectedDraws);
    expect(weightValues(model2)).toEqual(weightValues(model));
    expect((await readdir(root)).sort()).toEqual(['ckpt']);
    tf.dispose([xs, ys]);
  });

  it('loadRaw reads a bare safetensors file with layer names', async () => {
    const fabric = await launchFabric();
    const model = tinyModel();
    const values = (shape: number[], offset: number) => {
      const count = shape.reduce((a, b) => a * b, 1);
      return float32Entry(Float32Array.from({ length: count }, (_, i) => offset + i / 8), shape);
    };
    const entries = {
      'layers.0.kernel': values([3, 4], 1),
      'layers.0.bias': values([4], 2),
      'layers.1.kernel': values([4, 1], 3),
      'layers.1.bias': values([1], 4),
    };
    const file = join(root, 'model.safetensors');
    await writeFile(file, encodeSafetensors(entries));
    const start = tf.memory().numTensors;
    await fabric.loadRaw(file, model);
    expect(tf.memory().numTensors).toBe(start);
    const weights = weightValues(model);
    expect(weights[0]).toEqual(Array.from({ length: 12 }, (_, i) => 1 + i / 8));
    expect(weights[3]).toEqual([4]);

    const { 'layers.1.bias': _dropped, ...partial } = entries;
    await writeFile(file, encodeSafetensors(partial));
    await expect(fabric.loadRaw(file, model)).rejects.toThrow(/missing keys: layers\.1\.bias/);
    await expect(fabric.loadRaw(file, model, { strict: false })).resolves.toBeUndefined();
    await expect(fabric.loadRaw(join(root, 'nope.safetensors'), model)).rejects.toThrow(FabricUserError);
  });
});

describe('setTotalSteps', () => {
  it('rejects a non-positive or fractional count', async () => {
    const fabric = new Fabric({ accelerator: 'cpu' });
    await fabric.launch();
    expect(() => fabric.setTotalSteps(0)).toThrow(/positive integer/);
    expect(() => fabric.setTotalSteps(2.5)).toThrow(/positive integer/);
    expect(() => fabric.setTotalSteps(100)).not.toThrow();
    await fabric.teardown();
  });
});
