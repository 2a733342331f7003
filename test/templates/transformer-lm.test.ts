/** The Transformer LM of templates/transformer-lm: shapes, causality, learning, sampling, no leaked tensors, settings. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { Fabric } from '../../src/fabric.js';
import { sampleIndex, TransformerLM, type TransformerConfig } from '../../templates/transformer-lm/model.js';
import { DEFAULT_SETTINGS, loadSettings } from '../../templates/transformer-lm/settings.js';

const TINY: TransformerConfig = { vocabSize: 11, contextLength: 8, dModel: 16, nHeads: 2, nLayers: 2, mlpRatio: 2, tiedHead: true, seed: 3 };
const models: TransformerLM[] = [];
const temp: string[] = [];
function makeModel(overrides: Partial<TransformerConfig> = {}): TransformerLM {
  const model = new TransformerLM(tf, { ...TINY, ...overrides });
  models.push(model);
  return model;
}
afterAll(() => {
  models.forEach((m) => m.dispose());
  temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
});

describe('TransformerLM', () => {
  it('maps [batch, time] token ids to [batch, time, vocab] logits, for any time up to the context', () => {
    const model = makeModel();
    tf.tidy(() => {
      expect(model.logits(tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 0]], undefined, 'int32')).shape).toEqual([2, 8, 11]);
      expect(model.logits(tf.tensor2d([[1, 2, 3]], undefined, 'int32')).shape).toEqual([1, 3, 11]);
    });
    expect(() => model.logits(tf.zeros([1, 9], 'int32'))).toThrow(/longer than the context length 8/);
  });

  it('names its parameters stably; a separate head adds dModel x vocab parameters', () => {
    const tied = makeModel();
    const separate = makeModel({ tiedHead: false });
    expect(Object.keys(tied.params)).toContain('blocks.1.attn.qkv.kernel');
    expect(Object.keys(tied.params)).not.toContain('head.kernel');
    expect(separate.params['head.kernel'].shape).toEqual([16, 11]);
    expect(separate.parameterCount - tied.parameterCount).toBe(16 * 11);
    expect(() => makeModel({ dModel: 10, nHeads: 3 })).toThrow(/divisible/);
  });

  it('is causal: changing later tokens leaves the logits of earlier positions unchanged', () => {
    const model = makeModel();
    const [a, b] = tf.tidy(() => [
      model.logits(tf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], undefined, 'int32')).arraySync() as number[][][],
      model.logits(tf.tensor2d([[1, 2, 3, 4, 9, 9, 9, 9]], undefined, 'int32')).arraySync() as number[][][],
    ]);
    for (let t = 0; t < 4; t++) a[0][t].forEach((v, i) => expect(b[0][t][i]).toBeCloseTo(v, 5));
    expect(a[0][4]).not.toEqual(b[0][4]);
  });

  it('starts near the uniform loss ln(vocab) and learns a repeating sequence', () => {
    const model = makeModel();
    const text = Array.from({ length: 9 * 16 }, (_, i) => (i * 3) % 11);
    const x = tf.tensor2d(Array.from({ length: 16 }, (_, r) => text.slice(r * 8, r * 8 + 8)), undefined, 'int32');
    const y = tf.tensor2d(Array.from({ length: 16 }, (_, r) => text.slice(r * 8 + 1, r * 8 + 9)), undefined, 'int32');
    const lossOf = () => tf.tidy(() => model.loss(x, y).dataSync()[0]);
    expect(lossOf()).toBeCloseTo(Math.log(11), 0);
    const optimizer = tf.train.adam(0.01);
    for (let step = 0; step < 60; step++) {
      const { value, grads } = tf.variableGrads(() => model.loss(x, y), Object.values(model.params));
      optimizer.applyGradients(grads as tf.NamedTensorMap as Record<string, tf.Variable>);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(lossOf()).toBeLessThan(0.2);
    // Greedy generation continues the pattern it learned (+3 mod 11).
    expect(model.generate([0, 3, 6], { maxNewTokens: 4, temperature: 0 })).toEqual([9, 1, 4, 7]);
    optimizer.dispose();
    tf.dispose([x, y]);
  });

  it('samples with temperature and top-k: top-k 1 is greedy, ids stay in the vocabulary, long prompts are cropped', () => {
    const model = makeModel();
    const prompt = [1, 2, 3];
    expect(model.generate(prompt, { maxNewTokens: 5, topK: 1, temperature: 1.5 })).toEqual(model.generate(prompt, { maxNewTokens: 5, temperature: 0 }));
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const sampled = model.generate(Array.from({ length: 20 }, (_, i) => i % 11), { maxNewTokens: 30, temperature: 2, topK: 5, random });
    expect(sampled).toHaveLength(30);
    expect(sampled.every((id) => Number.isInteger(id) && id >= 0 && id < 11)).toBe(true);
    expect(model.generate([], { maxNewTokens: 2, temperature: 0 })).toHaveLength(2);
  });
});

describe('TransformerLM under Fabric (wasm backend): no tensor leaks', () => {
  it('keeps tf.memory().numTensors flat across training steps, evaluation and sampling', async () => {
    const fabric = new Fabric({ accelerator: 'cpu', loggers: [] });
    await fabric.launch();
    const ftf = fabric.tf;
    const model = new TransformerLM(ftf, TINY);
    const [params, optimizer] = fabric.setup(model.params, ftf.train.adam(1e-3));
    const x = ftf.tensor2d([[1, 2, 3, 4, 5, 6, 7, 8]], undefined, 'int32');
    const y = ftf.tensor2d([[2, 3, 4, 5, 6, 7, 8, 9]], undefined, 'int32');
    const step = async () => {
      await fabric.backward(() => model.loss(x, y));
      fabric.clipGradients(params, optimizer, { maxNorm: 1 });
      await optimizer.step();
      optimizer.zeroGrad();
    };
    await step(); // the first step creates Adam's slots
    const before = ftf.memory().numTensors;
    for (let i = 0; i < 3; i++) await step();
    expect(ftf.memory().numTensors).toBe(before);
    ftf.tidy(() => model.loss(x, y).dataSync());
    model.generate([1, 2], { maxNewTokens: 3, topK: 3 });
    expect(ftf.memory().numTensors).toBe(before);
    await fabric.teardown();
    model.dispose();
    ftf.dispose([x, y]);
  });
});

describe('sampleIndex', () => {
  it('walks the cumulative distribution', () => {
    expect(sampleIndex([0.2, 0.5, 0.3], 0)).toBe(0);
    expect(sampleIndex([0.2, 0.5, 0.3], 0.69)).toBe(1);
    expect(sampleIndex([0.2, 0.5, 0.3], 0.71)).toBe(2);
    expect(sampleIndex([2, 2], 0.6)).toBe(1); // unnormalised weights work too
  });
});

describe('loadSettings', () => {
  it('layers defaults < YAML file < command-line arguments', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lm-settings-'));
    temp.push(dir);
    const file = path.join(dir, 'lm.config.yaml');
    fs.writeFileSync(file, 'dModel: 32\nsteps: 10\ntiedHead: false\nprompt: "Once"\n');
    expect(loadSettings([], path.join(dir, 'missing.yaml'))).toEqual(DEFAULT_SETTINGS);
    const settings = loadSettings(['--steps', '3', '--vocab', 'byte', '--tied-head', 'true'], file);
    expect(settings).toMatchObject({ dModel: 32, steps: 3, vocab: 'byte', tiedHead: true, prompt: 'Once', nLayers: DEFAULT_SETTINGS.nLayers });
    expect(loadSettings(['--lm-config', file], path.join(dir, 'missing.yaml')).dModel).toBe(32);
  });

  it('names unknown settings and values of the wrong type', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lm-settings-'));
    temp.push(dir);
    const file = path.join(dir, 'bad.yaml');
    fs.writeFileSync(file, 'dmodel: 32\n');
    expect(() => loadSettings([], file)).toThrow(/unknown setting 'dmodel'. Known: source, vocab/);
    expect(() => loadSettings(['--steps', 'many'], file + '-none')).toThrow(/--steps: 'steps' must be a number, got "many"/);
    expect(() => loadSettings(['--tied-head', 'maybe'], file + '-none')).toThrow(/must be true or false/);
    expect(() => loadSettings(['--stepz', '3'], file + '-none')).toThrow(/stepz/);
  });
});
