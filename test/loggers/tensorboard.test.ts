import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../src/config/schema.js';
import { FabricUserError } from '../../src/errors.js';
import { CsvLogger } from '../../src/loggers/csv.js';
import { createLoggers } from '../../src/loggers/create.js';
import { TensorBoardLogger } from '../../src/loggers/tensorboard.js';
import { decodeHParamsPluginData, eventFiles, readEvents, readScalars, type DecodedEvent, type DecodedValue } from './tfevents-reader.js';

const tensorBoardModule = fileURLToPath(new URL('../../src/loggers/tensorboard.ts', import.meta.url));

let dir: string;
const open: TensorBoardLogger[] = [];
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-tb-'));
});
afterEach(() => {
  for (const logger of open.splice(0)) logger.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

function newLogger(options: Partial<ConstructorParameters<typeof TensorBoardLogger>[0]> = {}): TensorBoardLogger {
  const logger = new TensorBoardLogger({ dir, ...options });
  open.push(logger);
  return logger;
}

const valuesOf = (events: DecodedEvent[]): (DecodedValue & { step: number })[] =>
  events.flatMap((event) => (event.values ?? []).map((value) => ({ ...value, step: event.step })));

function hparamsContent(events: DecodedEvent[], tag: string) {
  const value = valuesOf(events).find((v) => v.tag === tag);
  if (!value) return undefined;
  expect(value.pluginName).toBe('hparams');
  expect(value.tensor).toEqual({ dtype: 1, dims: [0], strings: [] }); // the plugin's empty float tensor
  return decodeHParamsPluginData(value.pluginContent!);
}

describe('TensorBoardLogger file', () => {
  it('creates events.out.tfevents.<secs>.<host>.<pid>.<uid> starting with file_version brain.Event:2', () => {
    const before = Date.now() / 1000;
    const logger = newLogger();
    const name = path.basename(logger.file);
    expect(name).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${os.hostname().replace(/\./g, '\\.')}\\.${process.pid}\\.\\d+$`));
    const events = readEvents(logger.file); // written at once, before any flush
    expect(events[0].fileVersion).toBe('brain.Event:2');
    expect(events[0].wallTime).toBeGreaterThanOrEqual(before - 1);
    expect(events[0].wallTime).toBeLessThanOrEqual(Date.now() / 1000 + 1);
    // The first file of a run marks the session's start at step 0 (SessionLog.START = 1).
    expect(events.slice(1)).toEqual([{ wallTime: events[0].wallTime, step: 0, sessionLogStatus: 1 }]);
  });

  it('marks no session start in a later file of a run that is not resuming', () => {
    newLogger();
    const later = newLogger();
    expect(readEvents(later.file).map((e) => e.fileVersion ?? e.sessionLogStatus)).toEqual(['brain.Event:2']);
  });

  it('writes a new file next to existing ones, sorting after them even within the same second', () => {
    const first = newLogger();
    const second = newLogger();
    const third = newLogger();
    expect(first.file).not.toBe(second.file);
    expect(eventFiles(dir)).toEqual([first.file, second.file, third.file]);
  });

  it('rejects a flushSeconds that is not above 0', () => {
    expect(() => new TensorBoardLogger({ dir, flushSeconds: 0 })).toThrow(FabricUserError);
    expect(() => new TensorBoardLogger({ dir, flushSeconds: Number.NaN })).toThrow(/above 0/);
  });
});

describe('TensorBoardLogger scalars', () => {
  it('writes one event per logMetrics call with every tag as a simple_value', () => {
    const logger = newLogger();
    logger.logMetrics({ loss: 0.5, 'train/acc': 0.25 }, 1);
    logger.logMetrics({ loss: 0.125 }, 2);
    logger.logMetrics({ loss: 0.1, big: 1e39, nan: Number.NaN, inf: -Infinity }, 3);
    logger.flush();
    const events = readEvents(logger.file);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    expect(events.filter((e) => e.values).map((e) => e.step)).toEqual([1, 2, 3]);
    expect(valuesOf(events).map(({ tag, simpleValue, step }) => [step, tag, simpleValue])).toEqual([
      [1, 'loss', 0.5],
      [1, 'train/acc', 0.25],
      [2, 'loss', 0.125],
      [3, 'loss', Math.fround(0.1)], // a float32 field
      [3, 'big', Infinity], // beyond float32 range
      [3, 'nan', Number.NaN],
      [3, 'inf', -Infinity],
    ]);
  });

  it('keeps events in memory until flush(), then they are on disk at once', () => {
    const logger = newLogger({ flushSeconds: 3600 });
    const size = fs.statSync(logger.file).size;
    logger.logMetrics({ loss: 1 }, 1);
    expect(fs.statSync(logger.file).size).toBe(size);
    logger.flush();
    expect(readScalars(dir).get('loss')).toEqual([[1, 1]]);
  });

  it('writes buffered events from a background timer every flushSeconds', async () => {
    const logger = newLogger({ flushSeconds: 0.05 });
    logger.logMetrics({ loss: 2 }, 7);
    const deadline = Date.now() + 5000;
    while (!readScalars(dir).has('loss') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(readScalars(dir).get('loss')).toEqual([[7, 2]]);
  });

  it('flushes from a process exit handler (flush is synchronous)', () => {
    const code = `
      import { TensorBoardLogger } from ${JSON.stringify(tensorBoardModule)};
      const logger = new TensorBoardLogger({ dir: ${JSON.stringify(dir)}, flushSeconds: 3600 });
      process.on('exit', () => logger.flush());
      for (let step = 0; step < 5; step++) logger.logMetrics({ loss: step }, step);
      process.exit(3);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
    expect(readScalars(dir).get('loss')).toEqual([0, 1, 2, 3, 4].map((step) => [step, step]));
  });

  it('rejects bad steps, non-numbers and empty names with a sentence that says what to do', () => {
    const logger = newLogger();
    expect(() => logger.logMetrics({ loss: 1 }, -1)).toThrow(/whole number of at least 0/);
    expect(() => logger.logMetrics({ loss: 1 }, 1.5)).toThrow(FabricUserError);
    expect(() => logger.logMetrics({ loss: '1' as unknown as number }, 1)).toThrow(/is a string, not a number/);
    expect(() => logger.logMetrics({ '': 1 }, 1)).toThrow(/non-empty string/);
    logger.logMetrics({}, 1); // nothing to write is not an error
    logger.flush();
    expect(valuesOf(readEvents(logger.file))).toEqual([]);
  });

  it('refuses calls after close() and ignores a second close() and a late flush()', () => {
    const logger = newLogger();
    logger.close();
    logger.close();
    logger.flush();
    expect(() => logger.logMetrics({ loss: 1 }, 1)).toThrow(/after close\(\)/);
    expect(() => logger.logText('t', 'x', 1)).toThrow(/after close\(\)/);
  });
});

describe('TensorBoardLogger text', () => {
  it('writes a DT_STRING tensor of shape [1] with text plugin metadata on the first value of a tag', () => {
    const logger = newLogger();
    logger.logText('notes', '# hello\n*world* ✓', 3);
    logger.logText('notes', 'again', 4);
    logger.close();
    const texts = valuesOf(readEvents(logger.file)).filter((v) => v.tag === 'notes');
    expect(texts.map((v) => [v.step, v.pluginName, v.tensor])).toEqual([
      [3, 'text', { dtype: 7, dims: [1], strings: ['# hello\n*world* ✓'] }],
      [4, undefined, { dtype: 7, dims: [1], strings: ['again'] }],
    ]);
    expect(texts[0].pluginContent).toEqual(Buffer.alloc(0));
  });
});

describe('TensorBoardLogger hyperparameters', () => {
  it('writes the session start at the next flush, and the experiment and SUCCESS end at close', () => {
    const logger = newLogger();
    logger.logHyperparams({ lr: 0.01, optimizer: { name: 'adam' } });
    logger.logHyperparams({ batch: 32, amp: true }); // later calls add keys before the flush
    logger.logMetrics({ loss: 1 }, 1);
    logger.flush();
    let events = readEvents(logger.file);
    expect(hparamsContent(events, '_hparams_/session_start_info')?.sessionStart?.hparams).toEqual({
      lr: 0.01,
      'optimizer/name': 'adam',
      batch: 32,
      amp: true,
    });
    expect(hparamsContent(events, '_hparams_/experiment')).toBeUndefined();
    logger.logMetrics({ 'val/acc': 0.9 }, 2);
    logger.close();
    events = readEvents(logger.file);
    const starts = valuesOf(events).filter((v) => v.tag === '_hparams_/session_start_info');
    expect(starts).toHaveLength(1);
    expect(hparamsContent(events, '_hparams_/experiment')?.experiment).toEqual({
      hparams: [
        { name: 'lr', type: 3 },
        { name: 'optimizer/name', type: 1 },
        { name: 'batch', type: 3 },
        { name: 'amp', type: 2 },
      ],
      metricTags: ['loss', 'val/acc'],
    });
    expect(hparamsContent(events, '_hparams_/session_end_info')?.sessionEnd?.status).toBe(1);
  });

  it('reports FAILURE on close({ failed: true }) and after setStatus("failure")', () => {
    const failed = newLogger();
    failed.logHyperparams({ lr: 1 });
    failed.close({ failed: true });
    const marked = newLogger();
    marked.logHyperparams({ lr: 1 });
    marked.setStatus('failure');
    marked.close();
    for (const logger of [failed, marked]) {
      expect(hparamsContent(readEvents(logger.file), '_hparams_/session_end_info')?.sessionEnd?.status).toBe(2);
    }
  });

  it('writes no hparams summaries when none were logged', () => {
    const logger = newLogger();
    logger.logMetrics({ loss: 1 }, 1);
    logger.close();
    expect(valuesOf(readEvents(logger.file)).map((v) => v.tag)).toEqual(['loss']);
  });
});

describe('TensorBoardLogger resume', () => {
  it('adds a new file whose SessionLog START at the resume step hides later steps of the old file', () => {
    const crashed = newLogger();
    for (let step = 0; step < 10; step++) crashed.logMetrics({ loss: step }, step);
    crashed.flush(); // the old process got to step 9, its last checkpoint was at step 5
    expect(crashed.lastStep).toBe(9);
    const resumed = newLogger({ resumeFromStep: 6 });
    expect(resumed.lastStep).toBe(5);
    for (let step = 6; step < 8; step++) resumed.logMetrics({ loss: 100 + step }, step);
    resumed.close();
    expect(resumed.lastStep).toBe(7);

    expect(eventFiles(dir)).toEqual([crashed.file, resumed.file]);
    const events = readEvents(resumed.file);
    expect(events[0].fileVersion).toBe('brain.Event:2');
    expect(events[1]).toMatchObject({ step: 6, sessionLogStatus: 1 }); // SessionLog.START
    expect(readScalars(dir).get('loss')).toEqual([
      [0, 0], [1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 106], [7, 107],
    ]);
    expect(hparamsContent(events, '_hparams_/session_end_info')?.sessionEnd?.status).toBe(1);
  });

  it('rejects a resume step that is not a whole number', () => {
    expect(() => new TensorBoardLogger({ dir, resumeFromStep: -2 })).toThrow(/resumeFromStep/);
  });
});

describe('createLoggers with tensorboard', () => {
  it("builds both loggers for ['csv', 'tensorboard'] in the run directory", () => {
    const loggers = createLoggers(['csv', 'tensorboard'], { ...DEFAULT_CONFIG, loggers: [] }, dir);
    try {
      expect(loggers.map((l) => l.name)).toEqual(['csv', 'tensorboard']);
      expect(loggers[0]).toBeInstanceOf(CsvLogger);
      expect(loggers[1]).toBeInstanceOf(TensorBoardLogger);
      expect(path.dirname((loggers[1] as TensorBoardLogger).file)).toBe(dir);
    } finally {
      for (const logger of loggers) logger.close();
    }
  });

  it('builds both from the default config when the CLI gives a run directory', () => {
    const loggers = createLoggers([], DEFAULT_CONFIG, dir);
    try {
      expect(loggers.map((l) => l.name)).toEqual(['csv', 'tensorboard']);
    } finally {
      for (const logger of loggers) logger.close();
    }
    expect(eventFiles(dir)).toHaveLength(1);
  });
});
