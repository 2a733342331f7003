// Bytes one rank holds for the Transformer demo's model under the run's strategy: parameters, gradients and
// optimizer state, by accounting and as measured (tfjs tensor bytes + Float32Arrays the strategy keeps).
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Fabric } from '../../src/index.js';
import { TransformerLM } from '../../templates/transformer-lm/model.js';
import { DEFAULT_SETTINGS } from '../../templates/transformer-lm/settings.js';

export async function train(fabric: Fabric, args: string[]) {
  const { values } = parseArgs({ args, options: { out: { type: 'string' }, vocab: { type: 'string', default: '96' } } });
  const tf = fabric.tf;
  const s = DEFAULT_SETTINGS;
  const model = new TransformerLM(tf, { vocabSize: Number(values.vocab), contextLength: s.contextLength, dModel: s.dModel, nHeads: s.nHeads, nLayers: s.nLayers, mlpRatio: s.mlpRatio, tiedHead: s.tiedHead, seed: 1 });
  const [params, optimizer] = fabric.setup(model.params, tf.train.adam(1e-3));
  const paramSet = fabric.setupModule(params);
  const inputs = tf.randomUniform([s.batchSize, s.contextLength], 0, Number(values.vocab), 'int32');
  const targets = tf.randomUniform([s.batchSize, s.contextLength], 0, Number(values.vocab), 'int32');
  const baseline = tf.memory().numBytes - paramSet.trainable.reduce((n, v) => n + v.size * 4, 0);

  const account = () => {
    const sharded = fabric.strategy.sharded;
    if (sharded) return sharded.memoryReport(paramSet, optimizer.flatState);
    const parameters = paramSet.trainable.reduce((n, v) => n + v.size * 4, 0);
    const gradients = [...paramSet.grads.values()].reduce((n, g) => n + g.size * 4, 0);
    const slots = (optimizer.optimizer as unknown as { accumulatedFirstMoment?: unknown[] }).accumulatedFirstMoment?.length ? 2 * parameters : 0;
    return { parameters, gradients, optimizer: slots };
  };
  // What the process really holds for the model: tensor bytes beyond the inputs, plus the strategy's typed arrays.
  const measure = () => {
    const flat = (paramSet.gradShard?.byteLength ?? 0) + Object.values(optimizer.flatState?.slots ?? {}).reduce((n, a) => n + a.byteLength, 0);
    const master = fabric.strategy.sharded ? fabric.strategy.sharded.memoryReport(paramSet, undefined).parameters - (paramSet.released ? 0 : paramSet.trainable.reduce((n, v) => n + v.size * 4, 0)) : 0;
    return tf.memory().numBytes - baseline + flat + master;
  };
  const points: Record<string, { accounted: number; measured: number }> = {};
  const record = (name: string) => {
    const a = account();
    points[name] = { accounted: a.parameters + a.gradients + a.optimizer, measured: measure() };
  };
  for (let step = 0; step < 3; step++) {
    await fabric.backward(() => model.loss(inputs, targets));
    if (step === 2) record('afterBackward');
    await optimizer.step();
    if (step === 2) record('afterStep');
    optimizer.zeroGrad();
  }
  record('atRest');
  const parameterCount = paramSet.trainable.reduce((n, v) => n + v.size, 0);
  if (values.out) fs.writeFileSync(`${values.out}.rank${fabric.globalRank}.json`, JSON.stringify({ strategy: fabric.strategy.name, parameterCount, points, breakdownAtRest: account() }));
  tf.dispose([inputs, targets]);
}
