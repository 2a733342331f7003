/**
 * `npm run bench:kernels`: what our wasm kernels buy on models that stock wasm could not train (issue 14). A CNN
 * (28x28x1, conv 32 3x3, maxPool, conv 64 3x3, maxPool, dense 128, dense 10, batch 64, Adam) and an embedding
 * model (embedding 1000x64 over 32 tokens, global average pooling, dense 10, batch 64, Adam) train through Fabric
 * (setup, backward, step) on wasm with our kernels and on tfjs's pure-JS `cpu` backend. Each measurement runs in a
 * fresh process (this file again, with --child), engines alternate round by round, and the ratio is taken per round.
 * Bars: CNN >= 5x, embedding >= 3x.
 * Usage: node --import tsx bench/kernels.ts [--rounds 2] [--models cnn,embedding]   (about 7 minutes on 2 vCPUs)
 */
import { spawnSync } from 'node:child_process';
import * as os from 'node:os';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import type { Workload } from './engine-models.js';

type ModelName = 'cnn' | 'embedding';
type Engine = 'wasm' | 'cpu';
const BARS: Record<ModelName, number> = { cnn: 5, embedding: 3 };
/**
 * Warm-up and timed steps. The pure-JS backend takes 30-50 s per step of either model here (its convolutions are
 * plain loops; its UnsortedSegmentSum scans the batch once per vocabulary row), so it gets one of each.
 */
const PLAN: Record<ModelName, Record<Engine, [number, number]>> = {
  cnn: { wasm: [3, 15], cpu: [1, 1] },
  embedding: { wasm: [3, 40], cpu: [1, 1] },
};
const BATCH = 64;

async function makeWorkload(tf: typeof import('@tensorflow/tfjs'), name: ModelName): Promise<Workload> {
  const seeded = (seed: number) => ({ kernelInitializer: tf.initializers.glorotUniform({ seed }) });
  const model =
    name === 'cnn'
      ? tf.sequential({
          layers: [
            tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu', ...seeded(1) }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu', ...seeded(2) }),
            tf.layers.maxPooling2d({ poolSize: 2 }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 128, activation: 'relu', ...seeded(3) }),
            tf.layers.dense({ units: 10, ...seeded(4) }),
          ],
        })
      : tf.sequential({
          layers: [
            tf.layers.embedding({ inputShape: [32], inputDim: 1000, outputDim: 64, embeddingsInitializer: tf.initializers.randomUniform({ minval: -0.05, maxval: 0.05, seed: 1 }) }),
            tf.layers.globalAveragePooling1d({}),
            tf.layers.dense({ units: 10, ...seeded(2) }),
          ],
        });
  const x = name === 'cnn' ? tf.randomNormal([BATCH, 28, 28, 1], 0, 1, 'float32', 5) : tf.randomUniform([BATCH, 32], 0, 1000, 'int32', 5).toFloat();
  const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 6), 10).toFloat());
  return {
    variables: model.trainableWeights.map((w) => (w as unknown as { val: import('@tensorflow/tfjs').Variable }).val),
    loss: () => tf.losses.softmaxCrossEntropy(y, model.apply(x) as import('@tensorflow/tfjs').Tensor) as import('@tensorflow/tfjs').Scalar,
    flopsPerStep: 0,
    describe: name === 'cnn' ? 'CNN 28x28x1, conv 32 3x3, maxPool, conv 64 3x3, maxPool, dense 128, dense 10, batch 64, Adam' : 'embedding 1000x64 over 32 tokens, global average pooling, dense 10, batch 64, Adam',
    dispose: () => {
      model.dispose();
      tf.dispose([x, y]);
    },
  };
}

/** Child: steps/s of one model on one engine through Fabric, printed as `KERNELS_RESULT <json>`. */
async function child(model: ModelName, engine: Engine): Promise<void> {
  process.env.FABRIC_TFJS_BACKEND = engine;
  const tf = await import('@tensorflow/tfjs');
  const { Fabric } = await import('../src/index.js');
  const fabric = new Fabric({ accelerator: 'cpu' });
  await fabric.launch();
  const workload = await makeWorkload(tf, model);
  const [, optimizer] = fabric.setup(workload.variables, tf.train.adam(1e-3)) as [unknown, { step(): Promise<void>; zeroGrad(): void }];
  const step = async () => {
    await fabric.backward(workload.loss);
    await optimizer.step();
    optimizer.zeroGrad();
  };
  const [warmup, steps] = PLAN[model][engine];
  for (let i = 0; i < warmup; i++) await step();
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const stepsPerSecond = steps / ((performance.now() - start) / 1000);
  console.log(`KERNELS_RESULT ${JSON.stringify({ backend: fabric.backend, stepsPerSecond, describe: workload.describe })}`);
  workload.dispose();
  await fabric.teardown();
}

function measure(model: ModelName, engine: Engine): { backend: string; stepsPerSecond: number; describe: string } {
  const run = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), fileURLToPath(import.meta.url), '--child', model, engine], {
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: 'production' },
  });
  const line = `${run.stdout}`.split('\n').find((l) => l.startsWith('KERNELS_RESULT '));
  if (!line) throw new Error(`${model} on ${engine} printed no result (exit ${run.status}):\n${run.stdout}${run.stderr}`);
  const result = JSON.parse(line.slice('KERNELS_RESULT '.length));
  if (result.backend !== engine) throw new Error(`${model} asked for the '${engine}' backend but ran on '${result.backend}'.`);
  // A kernel on the pure-JS fallback would make wasm look slow for a reason this benchmark is not about: say so.
  for (const note of `${run.stderr}`.split('\n').filter((l) => l.includes('has no wasm implementation'))) console.log(`  note (${model}): ${note}`);
  return result;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmt = (v: number[]) => `${median(v).toFixed(2).padStart(7)} steps/s  (rounds: ${v.map((x) => x.toFixed(2)).join(', ')})`;

function benchModel(model: ModelName, rounds: number): void {
  const rates: Record<Engine, number[]> = { wasm: [], cpu: [] };
  let describe = '';
  for (let r = 0; r < rounds; r++) {
    // Alternate which engine goes first, so a trend in machine load does not favour one.
    for (const engine of (r % 2 === 0 ? ['wasm', 'cpu'] : ['cpu', 'wasm']) as Engine[]) {
      const result = measure(model, engine);
      rates[engine].push(result.stepsPerSecond);
      describe = result.describe;
    }
  }
  const ratio = median(rates.wasm.map((w, i) => w / rates.cpu[i]));
  console.log(`\n${describe}`);
  console.log(`  pure-JS cpu backend through Fabric        ${fmt(rates.cpu)}`);
  console.log(`  wasm + our kernels through Fabric         ${fmt(rates.wasm)}`);
  console.log(`  wasm / pure-JS (median of per-round ratios) ${ratio.toFixed(1)}x  (${ratio >= BARS[model] ? 'met' : 'MISSED'}: target >= ${BARS[model]}x)`);
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { child: { type: 'boolean', default: false }, rounds: { type: 'string', default: '2' }, models: { type: 'string', default: 'cnn,embedding' } },
});
if (values.child) {
  await child(positionals[0] as ModelName, positionals[1] as Engine);
} else {
  console.log(`Kernel benchmark: ${os.cpus()[0]?.model ?? 'CPU'} x ${os.cpus().length}, Node ${process.versions.node}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}, ${values.rounds} alternating round(s), fresh process per measurement`);
  for (const model of values.models.split(',') as ModelName[]) benchModel(model, Number(values.rounds));
}
