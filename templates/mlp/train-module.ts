/**
 * Two spirals again, written as a FabricModule (LightningModule style): the model, its steps, its optimizer
 * and its hooks live in one class; the loop below stays yours. `fabric.setup(module)` registers the module
 * as a callback, so every `fabric.call('onTrainEpochEnd', ...)` reaches its hooks.
 * Run it with `fabric run model train-module.ts` (add `--epochs 10` after the script path).
 */
import { parseArgs } from 'node:util';
import { Fabric, FabricModule, tensorDataLoader, type LayersModel, type ModuleHooks, type Scalar, type Tensor } from 'tfjs-fabric';
import { twoSpirals } from './train.js';

type Batch = [Tensor, Tensor];

class SpiralClassifier extends FabricModule<Batch> implements ModuleHooks<Batch> {
  readonly model: LayersModel;

  constructor(
    private readonly tf: Fabric['tf'],
    private readonly lr: number,
  ) {
    super();
    this.model = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [2], units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 64, activation: 'relu' }),
        tf.layers.dense({ units: 1 }),
      ],
    });
  }

  trainingStep([x, y]: Batch): Scalar {
    return this.tf.losses.sigmoidCrossEntropy(y, this.model.apply(x) as Tensor) as Scalar;
  }

  validationStep([x, y]: Batch): Record<string, number> {
    const { tf } = this;
    return tf.tidy(() => {
      const logits = this.model.predict(x) as Tensor;
      const loss = tf.losses.sigmoidCrossEntropy(y, logits).dataSync()[0];
      const accuracy = tf.mean(tf.cast(tf.equal(tf.greater(logits, 0), tf.cast(y, 'bool')), 'float32')).dataSync()[0];
      return { val_loss: loss, val_acc: accuracy };
    });
  }

  configureOptimizers() {
    return this.tf.train.adam(this.lr);
  }

  onTrainEpochEnd(epoch: number, epochs: number, metrics: Record<string, number>) {
    this.logDict(metrics);
    if (epoch === epochs - 1 || (epoch + 1) % 10 === 0) this.print(`epoch ${epoch + 1}/${epochs}: validation accuracy ${(metrics.val_acc * 100).toFixed(1)}%`);
  }

  onSaveCheckpoint(state: Record<string, unknown>) {
    state.module = 'SpiralClassifier';
  }
}

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { epochs: { type: 'string', default: '40' }, lr: { type: 'string', default: '0.01' } } });
  const epochs = Number(values.epochs);
  const tf = fabric.tf;
  const [xTrain, yTrain] = twoSpirals(tf, 1000, 0);
  const [xVal, yVal] = twoSpirals(tf, 300, 1);

  // With no optimizer given, setup takes the module's configureOptimizers().
  const [module, optimizer] = fabric.setup(new SpiralClassifier(tf, Number(values.lr)));
  const [loader] = fabric.setupDataloaders(tensorDataLoader([xTrain, yTrain], { batchSize: 64, shuffle: true }));

  await fabric.call('onTrainStart');
  for (let epoch = 0; epoch < epochs; epoch++) {
    await fabric.call('onTrainEpochStart', epoch);
    let batchIndex = 0;
    for (const batch of loader) {
      const loss = await fabric.backward(() => module.trainingStep(batch));
      await optimizer.step();
      optimizer.zeroGrad();
      module.log('loss', loss);
      await fabric.call('onTrainBatchEnd', loss, batchIndex++);
    }
    const metrics = await fabric.withFullParams(module.model, () => module.validationStep([xVal, yVal]));
    await fabric.call('onTrainEpochEnd', epoch, epochs, metrics);
  }
  await fabric.call('onTrainEnd');

  const state: Record<string, unknown> = { model: module.model, optimizer, epochs };
  await fabric.call('onSaveCheckpoint', state);
  const runDir = process.env.FABRIC_RUN_DIR ?? fabric.config.rootDir;
  await fabric.save(`${runDir}/checkpoints/step_${fabric.globalStep}`, state);
  tf.dispose([xTrain, yTrain, xVal, yVal]);
}
