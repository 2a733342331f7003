import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Fabric } from '../src/fabric.js';
import { FabricModule, isFabricModule, MODULE_HOOKS, setupFabricModule, type ModuleHooks } from '../src/module.js';
import { FabricOptimizer } from '../src/wrappers/fabric-optimizer.js';

type Batch = [tf.Tensor, tf.Tensor];
const savedEnv = { ...process.env };
const launched: Fabric[] = [];

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('FABRIC_')) delete process.env[key];
});
afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
  Object.assign(process.env, savedEnv);
});

async function launchFabric(callbacks: object[] = []): Promise<Fabric> {
  const fabric = new Fabric({ accelerator: 'cpu', callbacks, loggers: [] });
  await fabric.launch();
  launched.push(fabric);
  return fabric;
}

/** y = 2x with one dense unit; records every hook call. */
class Line extends FabricModule<Batch> implements ModuleHooks<Batch> {
  readonly model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1, kernelInitializer: 'zeros' })] });
  readonly calls: string[] = [];
  configured = 0;

  trainingStep([x, y]: Batch): tf.Scalar {
    return tf.losses.meanSquaredError(y, this.model.apply(x) as tf.Tensor) as tf.Scalar;
  }
  validationStep([x, y]: Batch) {
    return { val_loss: tf.tidy(() => this.trainingStep([x, y]).dataSync()[0]) };
  }
  configureOptimizers(): tf.Optimizer | tf.Optimizer[] {
    this.configured++;
    return tf.train.sgd(0.1);
  }
  onTrainStart() {
    this.calls.push('onTrainStart');
  }
  onTrainEpochEnd(epoch: number, loss: number) {
    this.calls.push(`onTrainEpochEnd:${epoch}`);
    this.log('epoch_loss', loss);
  }
  onSaveCheckpoint(state: Record<string, unknown>) {
    state.fromHook = 'yes';
  }
  onLoadCheckpoint(state: Record<string, unknown>) {
    this.calls.push(`onLoadCheckpoint:${String(state.fromHook)}`);
  }
}

describe('FabricModule with fabric.setup', () => {
  it('takes the optimizer from configureOptimizers, wraps it, and registers the module as a callback once', async () => {
    const fabric = await launchFabric();
    const line = new Line();
    const [module, optimizer] = fabric.setup(line);
    expect(module).toBe(line);
    expect(optimizer).toBeInstanceOf(FabricOptimizer);
    expect(line.configured).toBe(1);
    expect(fabric.callbacks).toEqual([line]);
    setupFabricModule(fabric, line, [tf.train.sgd(0.1)]);
    expect(fabric.callbacks).toEqual([line]);
    expect(line.fabric).toBe(fabric);
  });

  it('uses optimizers passed to setup instead of configureOptimizers', async () => {
    const fabric = await launchFabric();
    const line = new Line();
    const adam = tf.train.adam(0.01);
    const [, optimizer] = fabric.setup(line, adam);
    expect(line.configured).toBe(0);
    expect(optimizer.optimizer).toBe(adam);
  });

  it('trains through fabric.backward and reaches hooks through fabric.call, after callbacks given to Fabric', async () => {
    const order: string[] = [];
    const fabric = await launchFabric([{ onTrainStart: () => order.push('user callback') }]);
    const line = new Line();
    const [module, optimizer] = fabric.setup(line);
    const x = tf.tensor2d([[1], [2], [3]]);
    const y = tf.tensor2d([[2], [4], [6]]);
    await fabric.call('onTrainStart');
    order.push(...line.calls);
    const before = module.validationStep([x, y]).val_loss;
    for (let epoch = 0; epoch < 30; epoch++) {
      const loss = await fabric.backward(() => module.trainingStep([x, y]));
      await optimizer.step();
      optimizer.zeroGrad();
      await fabric.call('onTrainEpochEnd', epoch, loss);
    }
    expect(order).toEqual(['user callback', 'onTrainStart']);
    expect(line.calls.filter((c) => c.startsWith('onTrainEpochEnd'))).toHaveLength(30);
    expect(module.validationStep([x, y]).val_loss).toBeLessThan(before / 100);
    tf.dispose([x, y]);
  });

  it('lets onSaveCheckpoint add to the state and onLoadCheckpoint see it', async () => {
    const fabric = await launchFabric();
    const line = new Line();
    fabric.setup(line);
    const state: Record<string, unknown> = { step: 3 };
    await fabric.call('onSaveCheckpoint', state);
    expect(state).toEqual({ step: 3, fromHook: 'yes' });
    await fabric.call('onLoadCheckpoint', state);
    expect(line.calls).toContain('onLoadCheckpoint:yes');
  });

  it('explains use before setup, a second Fabric and an empty optimizer list', async () => {
    const line = new Line();
    expect(() => line.fabric).toThrow(/Line is not set up yet: call `fabric.setup\(module\)` first/);
    expect(() => line.log('x', 1)).toThrow(/not set up yet/);
    const first = await launchFabric();
    first.setup(line);
    const second = await launchFabric();
    expect(() => second.setup(line)).toThrow(/already set up with another Fabric/);

    class NoOptimizer extends Line {
      override configureOptimizers() {
        return [];
      }
    }
    expect(() => first.setup(new NoOptimizer())).toThrow(/configureOptimizers\(\) returned no optimizer/);
  });

  it('plain models still go through setup unchanged', async () => {
    const fabric = await launchFabric();
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 1 })] });
    const [same, optimizer] = fabric.setup(model, tf.train.sgd(0.1));
    expect(same).toBe(model);
    expect(optimizer).toBeInstanceOf(FabricOptimizer);
    expect(fabric.callbacks).toEqual([]);
  });
});

describe('isFabricModule / MODULE_HOOKS', () => {
  it('tells modules from models and lists the Lightning hook names', () => {
    expect(isFabricModule(new Line())).toBe(true);
    expect(isFabricModule(tf.sequential())).toBe(false);
    expect(isFabricModule({ model: {}, trainingStep() {} })).toBe(false);
    expect(MODULE_HOOKS).toContain('onTrainEpochEnd');
    expect(MODULE_HOOKS).toContain('onValidationEpochEnd');
    expect(MODULE_HOOKS).toContain('onSaveCheckpoint');
  });
});
