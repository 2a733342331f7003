/**
 * A character-level Transformer language model trained on the Brown corpus (or a WikiText folder).
 * Run it with `fabric run model train.ts`; settings live in lm.config.yaml and can be overridden after the
 * script path: `fabric run model --devices=2 train.ts --steps 100 --d-model 32`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Fabric, loadTextCorpus, tokenWindowLoader, countWindows, type Vocab } from 'tfjs-fabric';
import { TransformerLM } from './model.js';
import { loadSettings, type Settings } from './settings.js';

export async function train(fabric: Fabric, args: string[]) {
  const tf = fabric.tf;
  const here = path.dirname(fileURLToPath(import.meta.url));
  const settings = loadSettings(args, path.join(here, 'lm.config.yaml'));
  const corpus = loadTextCorpus({
    source: settings.source,
    vocab: settings.vocab as 'char' | 'byte',
    ...(settings.maxDocuments > 0 && { maxDocuments: settings.maxDocuments }),
  });
  const { contextLength, batchSize } = settings;
  fabric.print(`${corpus.name}: ${corpus.train.length.toLocaleString('en-US')} training and ${corpus.valid.length.toLocaleString('en-US')} validation tokens, ${corpus.vocab.kind} vocabulary of ${corpus.vocab.size}`);

  const model = new TransformerLM(tf, {
    vocabSize: corpus.vocab.size,
    contextLength,
    dModel: settings.dModel,
    nHeads: settings.nHeads,
    nLayers: settings.nLayers,
    mlpRatio: settings.mlpRatio,
    tiedHead: settings.tiedHead,
    seed: 1234,
  });
  const [params, optimizer] = fabric.setup(model.params, tf.train.adam(settings.lr));
  fabric.logHyperparams({ ...settings, parameters: model.parameterCount, vocabSize: corpus.vocab.size, worldSize: fabric.worldSize });
  fabric.setTotalSteps(settings.steps);
  fabric.print(`model: ${model.parameterCount.toLocaleString('en-US')} parameters, ${fabric.worldSize} rank(s) on ${fabric.device}, precision ${fabric.precision}`);

  const [trainLoader, validLoader] = fabric.setupDataloaders(
    tokenWindowLoader(corpus.train, { contextLength, batchSize, shuffle: true }),
    // A fixed set of validation windows spread evenly over the whole validation text.
    tokenWindowLoader(corpus.valid, { contextLength, batchSize, dropLast: false, stride: validationStride(corpus.valid.length, settings) }),
  );

  const evaluate = async (): Promise<number> => {
    let sum = 0;
    let count = 0;
    // withFullParams matters under --strategy=fsdp only, where ranks keep a shard of the weights between steps.
    await fabric.withFullParams(params, () => {
      for (const [x, y] of validLoader) {
        sum += tf.tidy(() => model.loss(x, y).dataSync()[0]) * x.shape[0];
        count += x.shape[0];
      }
    });
    // Every rank evaluated its own share: add up the loss sums and window counts of all ranks.
    const [totalSum, totalCount] = await fabric.allReduce(new Float32Array([sum, count]), 'sum');
    return totalSum / totalCount;
  };

  const runDir = process.env.FABRIC_RUN_DIR ?? path.join(fabric.config.rootDir, 'lm');
  const save = (step: number) => fabric.save(path.join(runDir, 'checkpoints', `step_${step}`), { model: params, optimizer, vocab: corpus.vocab.toJSON(), settings });
  const tokensPerStep = batchSize * contextLength * fabric.worldSize;
  const recentStepSeconds: number[] = [];
  const started = performance.now();
  let step = 0;

  while (step < settings.steps && !fabric.stopRequested) {
    for (const [x, y] of trainLoader) {
      const stepStart = performance.now();
      const loss = await fabric.backward(() => model.loss(x, y));
      if (settings.gradClip > 0) await fabric.clipGradients(params, optimizer, { maxNorm: settings.gradClip });
      await optimizer.step();
      optimizer.zeroGrad();
      step++;
      recentStepSeconds.push((performance.now() - stepStart) / 1000);
      if (recentStepSeconds.length > 20) recentStepSeconds.shift();
      const tokensPerSec = (tokensPerStep * recentStepSeconds.length) / recentStepSeconds.reduce((a, b) => a + b, 0);
      fabric.logDict({ train_loss: loss, tokens_per_sec: tokensPerSec });

      if (step % settings.evalEvery === 0 || step === settings.steps) {
        const validLoss = await evaluate();
        fabric.logDict({ val_loss: validLoss, val_ppl: Math.exp(validLoss) });
        const elapsed = (performance.now() - started) / 1000;
        fabric.print(`step ${step}/${settings.steps}  train ${loss.toFixed(3)}  val ${validLoss.toFixed(3)}  ppl ${Math.exp(validLoss).toFixed(2)}  ${Math.round(tokensPerSec).toLocaleString('en-US')} tok/s  ${elapsed.toFixed(1)} s`);
      }
      if (settings.saveEvery > 0 && step % settings.saveEvery === 0 && step !== settings.steps) await save(step);
      if (step >= settings.steps || fabric.stopRequested) break;
    }
  }
  await save(step);

  // Every rank takes part in gathering the weights (fsdp); rank 0 writes the sample.
  await fabric.withFullParams(params, () => {
    if (!fabric.isGlobalZero) return;
    const sample = generateSample(model, corpus.vocab, settings);
    fabric.print(`sample (temperature ${settings.temperature}, top-k ${settings.topK}):\n${sample}`);
    if (process.env.FABRIC_RUN_DIR) fs.writeFileSync(path.join(runDir, 'sample.txt'), `${sample}\n`);
  });
  await fabric.barrier('sample');
  model.dispose();
}

/** Window stride that picks evalBatches * batchSize windows spread over the validation text. */
function validationStride(length: number, settings: Settings): number {
  const wanted = settings.evalBatches * settings.batchSize;
  const available = countWindows(length, settings.contextLength, 1);
  return Math.max(1, Math.floor(available / wanted));
}

function generateSample(model: TransformerLM, vocab: Vocab, settings: Settings): string {
  const prompt = Array.from(vocab.encode(settings.prompt));
  const generated = model.generate(prompt, { maxNewTokens: settings.sampleLength, temperature: settings.temperature, topK: settings.topK });
  return vocab.decode([...prompt, ...generated]);
}
