/**
 * Tokens per second of the Transformer LM demo (templates/transformer-lm) in one run, three ways:
 *   1. the same model as a raw tfjs loop in this process (tf.variableGrads + optimizer.applyGradients), the anchor;
 *   2. `fabric run model` with 1 rank;
 *   3. `fabric run model --devices=2 --strategy=ddp` (tokens of both ranks).
 * Same model size, batch, data and backend (wasm unless FABRIC_TFJS_BACKEND says otherwise); gradient clipping off
 * in both, so the work per step is the same. Each figure is the mean over the steps after the warm-up.
 * Usage: npm run build && node --import tsx bench/lm.ts [--warmup 10] [--steps 20] [--d-model 64] [--n-layers 2]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { loadTextCorpus, tokenWindowLoader } from '../src/data/text-corpus.js';
import { TransformerLM } from '../templates/transformer-lm/model.js';
import { DEFAULT_SETTINGS } from '../templates/transformer-lm/settings.js';

const { values } = parseArgs({
  options: {
    warmup: { type: 'string', default: '10' },
    steps: { type: 'string', default: '20' },
    'd-model': { type: 'string', default: String(DEFAULT_SETTINGS.dModel) },
    'n-layers': { type: 'string', default: String(DEFAULT_SETTINGS.nLayers) },
  },
});
const warmup = Number(values.warmup);
const timed = Number(values.steps);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const size = { dModel: Number(values['d-model']), nLayers: Number(values['n-layers']) };
const { contextLength, batchSize, nHeads, mlpRatio, lr } = DEFAULT_SETTINGS;
const tokensPerRankStep = batchSize * contextLength;

/** The anchor: the template's model trained by hand, no Fabric anywhere. */
async function rawLoop(backend: string): Promise<number> {
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend '${backend}' did not start.`);
  const corpus = loadTextCorpus();
  const model = new TransformerLM(tf, { vocabSize: corpus.vocab.size, contextLength, nHeads, mlpRatio, tiedHead: true, seed: 1234, ...size });
  const optimizer = tf.train.adam(lr);
  const variables = Object.values(model.params);
  const loader = tokenWindowLoader(corpus.train, { contextLength, batchSize, shuffle: true, seed: 42 });
  let step = 0;
  let start = 0;
  for (const [x, y] of loader) {
    if (step === warmup) start = performance.now();
    const { value, grads } = tf.variableGrads(() => model.loss(x, y), variables);
    await value.data(); // Fabric reads the loss back every step; so does the anchor
    optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
    tf.dispose([value, ...Object.values(grads)]);
    if (++step === warmup + timed) break;
  }
  const seconds = (performance.now() - start) / 1000;
  model.dispose();
  optimizer.dispose();
  return (timed * tokensPerRankStep) / seconds;
}

/** Runs the template through the CLI and returns its tokens/s over the timed steps (from metrics.csv). */
function viaCli(devices: number, rootDir: string): Promise<number> {
  const args = [
    path.join(root, 'bin/run.js'), 'run', 'model', `--devices=${devices}`, `--root-dir=${rootDir}`, `--name=lm-${devices}`, '--loggers=csv',
    path.join(root, 'templates/transformer-lm/train.ts'),
    '--steps', String(warmup + timed), '--eval-every', String(10 * (warmup + timed)), '--eval-batches', '1', '--grad-clip', '0',
    '--sample-length', '1', '--d-model', String(size.dModel), '--n-layers', String(size.nLayers),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: rootDir, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`fabric run model --devices=${devices} exited ${code}:\n${output}`));
      const metrics = fs.readFileSync(path.join(rootDir, `lm-${devices}`, 'version_0', 'metrics.csv'), 'utf8').trim().split('\n');
      const header = metrics[0].split(',');
      const last = metrics.at(-1)!.split(',');
      // tokens_per_sec at the last step averages the last 20 step times: the timed steps when --steps is 20.
      resolve(Number(last[header.indexOf('tokens_per_sec')]));
    });
  });
}

async function main(): Promise<void> {
  if (timed > 20) throw new Error('--steps above 20: the script averages over its last 20 steps only, so the CLI figures would not cover every timed step.');
  const backend = process.env.FABRIC_TFJS_BACKEND ?? 'wasm';
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-lm-'));
  try {
    const raw = await rawLoop(backend);
    const one = await viaCli(1, tmp);
    const two = await viaCli(2, tmp);
    const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(7);
    console.log(
      `Transformer LM: d_model ${size.dModel}, ${size.nLayers} layers, ${nHeads} heads, context ${contextLength}, batch ${batchSize} per rank, Adam; ` +
        `backend ${backend}; ${timed} timed steps after ${warmup} warm-up; ${os.cpus().length} CPUs`,
    );
    console.log(`  raw tfjs loop, 1 process          ${fmt(raw)} tokens/s`);
    console.log(`  fabric run model, 1 rank          ${fmt(one)} tokens/s   ratio to raw ${(one / raw).toFixed(2)}`);
    console.log(`  fabric run model, 2 ranks (ddp)   ${fmt(two)} tokens/s   ratio to raw ${(two / raw).toFixed(2)}, ${(two / one).toFixed(2)}x one rank`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
