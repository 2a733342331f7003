/**
 * The smallest Fabric script: fit y = 3x - 1 with one dense unit.
 * Run it with `fabric run model train.ts` (add `--steps 200` after the script path for a longer run).
 */
import { parseArgs } from 'node:util';
import { Fabric, tensorDataLoader } from 'tfjs-fabric';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { steps: { type: 'string', default: '100' } } });
  const steps = Number(values.steps);
  const tf = fabric.tf; // the tfjs instance Fabric loaded with the chosen backend

  const xs = tf.randomUniform([256, 1], -1, 1, 'float32', 7);
  const ys = tf.sub(tf.mul(xs, 3), 1);
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [1], units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.sgd(0.1));
  const [loader] = fabric.setupDataloaders(tensorDataLoader([xs, ys], { batchSize: 32, shuffle: true }));

  // `fabric resume <run dir>` starts this script again with fabric.resumePath set: load what you save below, and
  // Fabric restores the rest itself (global step, data loader position, RNG, loggers).
  const state = { model: net, optimizer };
  if (fabric.resumePath) await fabric.load(fabric.resumePath, state);

  while (fabric.globalStep < steps) {
    for (const [x, y] of loader) {
      const loss = await fabric.backward(() => tf.losses.meanSquaredError(y, net.apply(x) as typeof y) as ReturnType<typeof tf.scalar>);
      await optimizer.step();
      optimizer.zeroGrad();
      fabric.log('loss', loss);
      if (fabric.globalStep >= steps) break;
    }
  }
  // withFullParams matters under --strategy=fsdp only, where ranks keep a shard of the weights between steps.
  const [kernel, bias] = await fabric.withFullParams(net, () => net.getWeights().map((w) => w.dataSync()[0]));
  fabric.print(`learned y = ${kernel.toFixed(3)}x ${bias < 0 ? '-' : '+'} ${Math.abs(bias).toFixed(3)} (target: y = 3x - 1)`);
  const runDir = process.env.FABRIC_RUN_DIR ?? fabric.config.rootDir;
  await fabric.save(`${runDir}/checkpoints/step_${fabric.globalStep}`, state);
  tf.dispose([xs, ys]);
}
