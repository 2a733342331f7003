// Times fabric.save / fabric.load of a ~100 MB model under the run's strategy, next to plain fs.writeFile /
// fs.readFile of the same number of bytes by the same ranks (each rank its share), in the same run.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { Fabric } from '../../src/index.js';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { dir: { type: 'string' }, mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } } });
  const tf = fabric.tf;
  const dir = values.dir!;
  const rows = 1000;
  const tensors = 10;
  const cols = Math.round((Number(values.mb) * 2 ** 20) / 4 / tensors / rows);
  const model: Record<string, import('@tensorflow/tfjs').Variable> = {};
  for (let i = 0; i < tensors; i++) model[`w${i}`] = tf.variable(tf.randomUniform([rows, cols]));
  const [params, optimizer] = fabric.setup(model, tf.train.sgd(0.1));
  // One step, so the strategy has taken its shards (fsdp's parameters are gathered again for the save).
  await fabric.backward(() => tf.mean(tf.add(model.w0!, 1)) as import('@tensorflow/tfjs').Scalar);
  await optimizer.step();
  optimizer.zeroGrad();
  const bytes = tensors * rows * cols * 4;
  const share = Math.ceil(bytes / fabric.worldSize);
  const payload = Buffer.alloc(share, 7);
  const timed = async (fn: () => Promise<unknown>) => {
    await fabric.barrier('start');
    const start = performance.now();
    await fn();
    await fabric.barrier('end');
    return (performance.now() - start) / 1000;
  };
  const result: Record<string, number[]> = { save: [], load: [], writeFile: [], readFile: [], durableWrite: [] };
  // writeFile with what a checkpoint promises on top: a SHA-256 of the bytes and fsync before it counts as written.
  const durableWrite = async (file: string) => {
    const handle = await fs.promises.open(file, 'w');
    await handle.write(payload);
    createHash('sha256').update(payload).digest('hex');
    await handle.sync();
    await handle.close();
  };
  for (let run = 0; run < Number(values.runs); run++) {
    const ckpt = path.join(dir, `ckpt-${run}`);
    result.save!.push(await timed(() => fabric.save(ckpt, { model: params })));
    result.load!.push(await timed(() => fabric.load(ckpt, { model: params })));
    const plain = path.join(dir, `plain-${run}-rank${fabric.globalRank}.bin`);
    result.writeFile!.push(await timed(() => fs.promises.writeFile(plain, payload)));
    result.readFile!.push(await timed(() => fs.promises.readFile(plain)));
    result.durableWrite!.push(await timed(() => durableWrite(plain)));
    await fabric.barrier('cleanup');
    if (fabric.isGlobalZero) fs.rmSync(ckpt, { recursive: true, force: true });
    fs.rmSync(plain, { force: true });
  }
  if (fabric.isGlobalZero) console.log(`CHECKPOINT_IO ${JSON.stringify({ strategy: fabric.strategy.name, worldSize: fabric.worldSize, bytes, ...result })}`);
}
