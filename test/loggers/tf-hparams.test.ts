import { describe, expect, it } from 'vitest';
import { encodeExperiment, encodeSessionEndInfo, encodeSessionStartInfo, flattenHyperparams } from '../../src/loggers/tf-hparams.js';
import { decodeHParamsPluginData } from './tfevents-reader.js';

describe('flattenHyperparams', () => {
  it('keeps numbers, strings and booleans, nests with "/", and turns the rest into text', () => {
    const flat = flattenHyperparams({
      lr: 0.001,
      name: 'mlp',
      shuffle: true,
      optimizer: { kind: 'adam', betas: [0.9, 0.999], schedule: { warmup: 10 } },
      seed: 7n,
      device: null,
      skipped: undefined,
      when: new Date(0),
    });
    expect(Object.fromEntries(flat)).toEqual({
      lr: 0.001,
      name: 'mlp',
      shuffle: true,
      'optimizer/kind': 'adam',
      'optimizer/betas': '[0.9,0.999]',
      'optimizer/schedule/warmup': 10,
      seed: 7,
      device: 'null',
      when: '"1970-01-01T00:00:00.000Z"',
    });
  });

  it('falls back to String() for values JSON cannot write', () => {
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(flattenHyperparams({ loop: [circular] }).get('loop')).toBe('[object Object]');
    // A plain object that contains itself is walked once, then written as text.
    expect(Object.fromEntries(flattenHyperparams({ loop: circular }))).toEqual({ 'loop/self': '[object Object]' });
  });
});

describe('hparams plugin data', () => {
  const hparams = new Map<string, number | string | boolean>([
    ['lr', 0.5],
    ['opt', 'sgd'],
    ['amp', false],
  ]);

  it('encodes the experiment with one info per hyperparameter (typed) and per metric', () => {
    const decoded = decodeHParamsPluginData(Buffer.from(encodeExperiment(hparams, ['loss', 'val/acc'], 1234.5)));
    expect(decoded.version).toBe(0);
    expect(decoded.experiment).toEqual({
      hparams: [
        { name: 'lr', type: 3 }, // DATA_TYPE_FLOAT64
        { name: 'opt', type: 1 }, // DATA_TYPE_STRING
        { name: 'amp', type: 2 }, // DATA_TYPE_BOOL
      ],
      metricTags: ['loss', 'val/acc'],
    });
  });

  it('encodes the session start with its values and time', () => {
    const decoded = decodeHParamsPluginData(Buffer.from(encodeSessionStartInfo(hparams, 99.25)));
    expect(decoded.sessionStart).toEqual({ hparams: { lr: 0.5, opt: 'sgd', amp: false }, startTimeSecs: 99.25 });
    expect(decoded.experiment).toBeUndefined();
  });

  it('encodes the session end with STATUS_SUCCESS = 1 or STATUS_FAILURE = 2', () => {
    expect(decodeHParamsPluginData(Buffer.from(encodeSessionEndInfo('success', 5))).sessionEnd).toEqual({ status: 1, endTimeSecs: 5 });
    expect(decodeHParamsPluginData(Buffer.from(encodeSessionEndInfo('failure', 6))).sessionEnd).toEqual({ status: 2, endTimeSecs: 6 });
  });
});
