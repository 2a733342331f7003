/**
 * Two spirals: a small MLP learns to tell two interleaved spirals apart.
 * Run it with `fabric run model train.ts` (add `-- --epochs 30` to pass script arguments).
 */
import { parseArgs } from 'node:util';
import { Fabric, ModelCheckpoint, tensorDataLoader } from 'tfjs-fabric';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({
    args,
    options: {
      epochs: { type: 'string', default: '40' },
      points: { type: 'string', default: '1000' },
      'batch-size': { type: 'string', default: '64' },
      lr: { type: 'string', default: '0.01' },
    },
  });
  const tf = fabric.tf;
  const epochs = Number(values.epochs);
  const batchSize = Number(values['batch-size']);

  const [xTrain, yTrain] = twoSpirals(tf, Number(values.points), 0);
  const [xVal, yVal] = twoSpirals(tf, 300, 1);

  const model = tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2], units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 64, activation: 'relu' }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(Number(values.lr)));
  const [loader] = fabric.setupDataloaders(tensorDataLoader([xTrain, yTrain], { batchSize, shuffle: true }));
  fabric.logHyperparams({ epochs, batchSize, lr: Number(values.lr), hidden: 64 });
  fabric.setTotalSteps(epochs * loader.length);

  // Resuming: ModelCheckpoint saves `state` every 10 epochs (step_<S> in the run's checkpoints/, newest 2 plus the best
  // by val_acc); `fabric resume <run dir>` restarts this script with fabric.resumePath set, and the load below restores
  // it. Fabric itself restores the global step, the loader's epoch and position, the RNG and the loggers.
  const state = { model: net, optimizer };
  const checkpoints = new ModelCheckpoint(fabric, state, { keepLast: 2, monitor: 'val_acc', mode: 'max' });
  fabric.callbacks.push(checkpoints);
  if (fabric.resumePath) await fabric.load(fabric.resumePath, state);

  for (let epoch = loader.epoch; epoch < epochs; epoch++) {
    for (const [x, y] of loader) {
      const loss = await fabric.backward(() => tf.losses.sigmoidCrossEntropy(y, net.apply(x) as tfTensor) as tfScalar);
      await optimizer.step();
      optimizer.zeroGrad();
      fabric.log('loss', loss);
    }
    // withFullParams matters under --strategy=fsdp only, where ranks keep a shard of the weights between steps.
    const accuracy = await fabric.withFullParams(net, () =>
      tf.tidy(() => {
        const predicted = tf.greater(net.predict(xVal) as tfTensor, 0);
        return tf.mean(tf.cast(tf.equal(predicted, tf.cast(yVal, 'bool')), 'float32')).dataSync()[0];
      }),
    );
    fabric.log('val_acc', accuracy);
    if ((epoch + 1) % 10 === 0) await checkpoints.save({ val_acc: accuracy });
    if (epoch === epochs - 1 || (epoch + 1) % 10 === 0) fabric.print(`epoch ${epoch + 1}/${epochs}: validation accuracy ${(accuracy * 100).toFixed(1)}%`);
  }
  const checkpoint = `${fabric.config.rootDir}/checkpoint-final`;
  const runDir = process.env.FABRIC_RUN_DIR;
  await fabric.save(runDir ? `${runDir}/checkpoints/step_${fabric.globalStep}` : checkpoint, { model: net, optimizer, epochs });
  tf.dispose([xTrain, yTrain, xVal, yVal]);
}

type tfTensor = import('tfjs-fabric').Tensor;
type tfScalar = import('tfjs-fabric').Scalar;

/** Points on two interleaved spirals with a little noise; label 0 or 1. Seeded so every run sees the same data. */
export function twoSpirals(tf: Fabric['tf'], perClass: number, seed: number): [tfTensor, tfTensor] {
  let state = 0x9e3779b9 ^ seed;
  const random = () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
  const xs: number[] = [];
  const ys: number[] = [];
  for (let label = 0; label < 2; label++) {
    for (let i = 0; i < perClass; i++) {
      const t = (i / perClass) * 3 * Math.PI + 0.5;
      const angle = t + label * Math.PI;
      xs.push((t * Math.cos(angle)) / 10 + (random() - 0.5) * 0.05, (t * Math.sin(angle)) / 10 + (random() - 0.5) * 0.05);
      ys.push(label);
    }
  }
  return [tf.tensor2d(xs, [2 * perClass, 2]), tf.tensor2d(ys, [2 * perClass, 1])];
}
