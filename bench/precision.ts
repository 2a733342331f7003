/**
 * Per precision on the two-spirals MLP (2-64-64-1): steps/s relative to 32-true (the cost of emulating 16-bit
 * numbers), gradient bytes each rank sends per step under 2-rank DDP (target: exactly half of 32-true), and
 * the checkpoint's model.safetensors size. Usage: node --import tsx bench/precision.ts [--steps 300]
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Fabric } from '../src/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '300' } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const precisions = ['32-true', 'bf16-mixed', '16-mixed', 'bf16-true', '16-true'] as const;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-precision-'));

async function stepsPerSecond(precision: string): Promise<{ rate: number; checkpointBytes: number }> {
  const fabric = new Fabric({ accelerator: 'cpu', precision: precision as never });
  await fabric.launch();
  Fabric.seedEverything(1);
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 64, activation: 'relu' }), tf.layers.dense({ units: 64, activation: 'relu' }), tf.layers.dense({ units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.adam(0.01));
  const x = tf.randomNormal([64, 2], 0, 1, 'float32', 1);
  const y = tf.randomUniform([64, 1], 0, 1, 'float32', 2);
  const step = async () => {
    await fabric.backward(() => tf.losses.sigmoidCrossEntropy(y, net.apply(x) as tf.Tensor) as tf.Scalar);
    await optimizer.step();
    optimizer.zeroGrad();
  };
  for (let i = 0; i < 20; i++) await step();
  const steps = Number(values.steps);
  const start = performance.now();
  for (let i = 0; i < steps; i++) await step();
  const rate = steps / ((performance.now() - start) / 1000);
  const dir = path.join(tmp, precision);
  await fabric.save(dir, { model: net, optimizer });
  const checkpointBytes = fs.statSync(path.join(dir, 'model.safetensors')).size;
  await fabric.teardown();
  tf.dispose([x, y, ...model.weights.map((w) => w.read())]);
  return { rate, checkpointBytes };
}

function bytesPerStep(precision: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const args = [path.join(root, 'bin/run.js'), 'run', 'model', '--devices=2', '--accelerator=cpu', '--loggers=none', `--precision=${precision}`, `--root-dir=${tmp}`, path.join(root, 'bench/scripts/precision-bytes.ts')];
    const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.on('close', (code) => {
      const match = out.match(/GRADIENT_BYTES_PER_STEP ([\d.]+)/);
      return code === 0 && match ? resolve(Number(match[1])) : reject(new Error(`precision ${precision} exited ${code}:\n${out}`));
    });
  });
}

const rows: { precision: string; rate: number; checkpointBytes: number; bytes: number }[] = [];
for (const precision of precisions) rows.push({ precision, ...(await stepsPerSecond(precision)), bytes: await bytesPerStep(precision) });
const base = rows[0];
console.log(`precision on the MLP 2-64-64-1 (batch 64, Adam), ${values.steps} timed steps per precision`);
console.log('  precision     steps/s   vs 32-true   gradient bytes/step/rank (2-rank ddp)   vs 32-true   model.safetensors');
for (const r of rows) {
  console.log(`  ${r.precision.padEnd(12)} ${r.rate.toFixed(0).padStart(8)}   ${(r.rate / base.rate).toFixed(2).padStart(10)}   ${r.bytes.toFixed(0).padStart(38)}   ${(r.bytes / base.bytes).toFixed(3).padStart(10)}   ${r.checkpointBytes} B`);
}
fs.rmSync(tmp, { recursive: true, force: true });
