import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { CsvLogger, formatMetricValue } from '../../src/loggers/csv.js';

const csvModule = fileURLToPath(new URL('../../src/loggers/csv.ts', import.meta.url));

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-csv-'));
  file = path.join(dir, 'metrics.csv');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** The file as [header, ...rows]; plain splitting is enough because every value is a number. */
function readCsv(): string[][] {
  if (!fs.existsSync(file)) return [];
  const text = fs.readFileSync(file, 'utf8');
  expect(text.endsWith('\n')).toBe(true);
  return text.slice(0, -1).split('\n').map((line) => line.split(','));
}

describe('CsvLogger metrics', () => {
  it('keeps the step column right across several flushes (flushEveryNSteps=2, 7 steps)', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 2 });
    const seenOnDisk: number[] = [];
    for (let step = 100; step < 107; step++) {
      logger.logMetrics({ loss: step / 1000 }, step);
      seenOnDisk.push(Math.max(0, readCsv().length - 1));
    }
    // Rows reach the disk two at a time, when a new step starts after two buffered ones.
    expect(seenOnDisk).toEqual([0, 0, 2, 2, 4, 4, 6]);
    logger.close();
    expect(readCsv()).toEqual([
      ['step', 'loss'],
      ...Array.from({ length: 7 }, (_, i) => [String(100 + i), String((100 + i) / 1000)]),
    ]);
  });

  it('merges metrics logged for the same step into one row, columns in order of first appearance', () => {
    const logger = new CsvLogger({ dir });
    logger.logMetrics({ loss: 1 }, 0);
    logger.logMetrics({ acc: 0.5 }, 0);
    logger.logMetrics({ loss: 0.8, lr: 0.1 }, 1);
    logger.logMetrics({ loss: 0.7 }, 1); // same key again: the last value wins
    logger.close();
    expect(readCsv()).toEqual([
      ['step', 'loss', 'acc', 'lr'],
      ['0', '1', '0.5', ''],
      ['1', '0.7', '', '0.1'],
    ]);
  });

  it('keeps one row per step when flush() runs between two calls for that step', () => {
    const logger = new CsvLogger({ dir });
    logger.logMetrics({ loss: 1 }, 0);
    logger.logMetrics({ loss: 0.9 }, 1);
    logger.flush();
    logger.logMetrics({ acc: 0.25 }, 1); // new column on a row already on disk
    logger.flush();
    logger.logMetrics({ loss: 0.5 }, 1);
    logger.logMetrics({ loss: 0.4 }, 2);
    logger.close();
    expect(readCsv()).toEqual([
      ['step', 'loss', 'acc'],
      ['0', '1', ''],
      ['1', '0.5', '0.25'],
      ['2', '0.4', ''],
    ]);
  });

  it('rewrites the header and pads rows already flushed when a metric appears mid-run', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 2 });
    for (let step = 0; step < 5; step++) logger.logMetrics({ loss: step }, step);
    expect(readCsv()).toEqual([['step', 'loss'], ['0', '0'], ['1', '1'], ['2', '2'], ['3', '3']]);

    logger.logMetrics({ val_loss: 9 }, 4);
    logger.logMetrics({ loss: 5 }, 5);
    logger.flush();
    expect(readCsv()).toEqual([
      ['step', 'loss', 'val_loss'],
      ['0', '0', ''],
      ['1', '1', ''],
      ['2', '2', ''],
      ['3', '3', ''],
      ['4', '4', '9'],
      ['5', '5', ''],
    ]);
    logger.logMetrics({ a: 1, b: 2 }, 6);
    logger.close();
    const rows = readCsv();
    expect(rows[0]).toEqual(['step', 'loss', 'val_loss', 'a', 'b']);
    expect(rows.slice(1).map((r) => r.length)).toEqual(Array(7).fill(5));
    expect(rows[5]).toEqual(['4', '4', '9', '', '']);
    expect(rows[7]).toEqual(['6', '', '', '1', '2']);
    expect(fs.readdirSync(dir)).toEqual(['metrics.csv']); // the temp file of the rewrite is gone
  });

  it('pads a history larger than one read chunk without losing or splitting rows', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 1000 });
    const steps = 12_000; // ~200 KB, several 64 KB chunks with rows straddling their edges
    for (let step = 0; step < steps; step++) logger.logMetrics({ loss: 1 / (step + 1) }, step);
    logger.flush();
    logger.logMetrics({ grad_norm: 3 }, steps);
    logger.close();
    const rows = readCsv();
    expect(rows).toHaveLength(steps + 2);
    expect(rows[0]).toEqual(['step', 'loss', 'grad_norm']);
    for (let step = 0; step < steps; step++) {
      expect(rows[step + 1]).toEqual([String(step), String(1 / (step + 1)), '']);
    }
    expect(rows[steps + 1]).toEqual([String(steps), '', '3']);
  });

  it('writes NaN and infinities as nan, inf and -inf', () => {
    expect([NaN, Infinity, -Infinity, 0, -2.5, 1e-7, undefined].map(formatMetricValue)).toEqual([
      'nan', 'inf', '-inf', '0', '-2.5', '1e-7', '',
    ]);
    const logger = new CsvLogger({ dir });
    logger.logMetrics({ loss: NaN, grad: Infinity, low: -Infinity, ok: 0.25 }, 3);
    logger.close();
    expect(readCsv()).toEqual([['step', 'loss', 'grad', 'low', 'ok'], ['3', 'nan', 'inf', '-inf', '0.25']]);
  });

  it('writes nothing until there is a row', () => {
    const logger = new CsvLogger({ dir: path.join(dir, 'later') });
    logger.flush();
    logger.close();
    expect(fs.existsSync(path.join(dir, 'later'))).toBe(false);
  });

  it('quotes odd metric names in the header and reads them back on resume', () => {
    const first = new CsvLogger({ dir });
    first.logMetrics({ 'loss, train': 1, 'say "hi"': 2 }, 0);
    first.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('step,"loss, train","say ""hi"""\n0,1,2\n');
    const second = new CsvLogger({ dir });
    second.logMetrics({ 'say "hi"': 3 }, 1);
    second.close();
    expect(fs.readFileSync(file, 'utf8')).toBe('step,"loss, train","say ""hi"""\n0,1,2\n1,,3\n');
  });

  it('uses fileName when given', () => {
    const logger = new CsvLogger({ dir, fileName: 'val.csv' });
    logger.logMetrics({ acc: 1 }, 0);
    logger.close();
    expect(fs.readFileSync(path.join(dir, 'val.csv'), 'utf8')).toBe('step,acc\n0,1\n');
  });
});

describe('CsvLogger resume', () => {
  it('appends after the existing header and rows', () => {
    const first = new CsvLogger({ dir, flushEveryNSteps: 2 });
    for (let step = 0; step < 3; step++) first.logMetrics({ loss: step, acc: step / 10 }, step);
    first.close();

    const resumed = new CsvLogger({ dir, flushEveryNSteps: 2 });
    resumed.logMetrics({ acc: 0.3 }, 3); // only the second column: the header order must stay
    resumed.logMetrics({ loss: 4, acc: 0.4 }, 4);
    resumed.close();
    expect(readCsv()).toEqual([
      ['step', 'loss', 'acc'],
      ['0', '0', '0'],
      ['1', '1', '0.1'],
      ['2', '2', '0.2'],
      ['3', '', '0.3'],
      ['4', '4', '0.4'],
    ]);
  });

  it('widens the header of the existing file for a new metric', () => {
    fs.writeFileSync(file, 'step,loss\n0,1\n1,0.5\n');
    const resumed = new CsvLogger({ dir });
    resumed.logMetrics({ loss: 0.25, val_acc: 0.9 }, 2);
    resumed.close();
    expect(readCsv()).toEqual([['step', 'loss', 'val_acc'], ['0', '1', ''], ['1', '0.5', ''], ['2', '0.25', '0.9']]);
  });

  it('drops a half-written last row left by a crash', () => {
    fs.writeFileSync(file, 'step,loss\n0,1\n1,0.');
    const resumed = new CsvLogger({ dir });
    resumed.logMetrics({ loss: 0.5 }, 1);
    resumed.close();
    expect(readCsv()).toEqual([['step', 'loss'], ['0', '1'], ['1', '0.5']]);
  });

  it('refuses a file whose first column is not step', () => {
    fs.writeFileSync(file, 'epoch,loss\n0,1\n');
    expect(() => new CsvLogger({ dir })).toThrow(FabricUserError);
    expect(fs.readFileSync(file, 'utf8')).toBe('epoch,loss\n0,1\n');
  });
});

describe('CsvLogger hyperparameters', () => {
  it('writes hparams.yaml and merges later calls into it', () => {
    const logger = new CsvLogger({ dir });
    logger.logHyperparams({ lr: 0.001, optimizer: { name: 'adam', betas: [0.9, 0.999] }, devices: 2 });
    logger.logHyperparams({ lr: 0.01, batchSize: 32 });
    const hparamsFile = path.join(dir, 'hparams.yaml');
    expect(parseYaml(fs.readFileSync(hparamsFile, 'utf8'))).toEqual({
      lr: 0.01,
      optimizer: { name: 'adam', betas: [0.9, 0.999] },
      devices: 2,
      batchSize: 32,
    });
    // A resumed run's logger keeps what the first run recorded.
    new CsvLogger({ dir }).logHyperparams({ resumedFrom: 'step_100' });
    expect(parseYaml(fs.readFileSync(hparamsFile, 'utf8'))).toMatchObject({ lr: 0.01, resumedFrom: 'step_100' });
    expect(fs.readdirSync(dir)).toEqual(['hparams.yaml']);
  });

  it('explains an hparams.yaml it cannot merge into', () => {
    fs.writeFileSync(path.join(dir, 'hparams.yaml'), '- a\n- b\n');
    expect(() => new CsvLogger({ dir }).logHyperparams({ lr: 1 })).toThrow(/list, not a mapping/);
    fs.writeFileSync(path.join(dir, 'hparams.yaml'), 'lr: [1,\n');
    expect(() => new CsvLogger({ dir }).logHyperparams({ lr: 1 })).toThrow(/not valid YAML/);
  });
});

describe('CsvLogger mistakes and lifecycle', () => {
  it('explains bad steps, reserved names, non-numbers and a bad flush interval', () => {
    const logger = new CsvLogger({ dir });
    expect(() => logger.logMetrics({ loss: 1 }, -1)).toThrow(FabricUserError);
    expect(() => logger.logMetrics({ loss: 1 }, 1.5)).toThrow(FabricUserError);
    expect(() => logger.logMetrics({ step: 1 }, 0)).toThrow(/reserved/);
    const tensorLike = { dataSync: () => [1] } as unknown as number;
    expect(() => logger.logMetrics({ loss: tensorLike }, 0)).toThrow(/dataSync/);
    expect(() => new CsvLogger({ dir, flushEveryNSteps: 0 })).toThrow(FabricUserError);
    logger.close();
    expect(fs.existsSync(file)).toBe(false); // rejected calls left nothing behind
  });

  it('refuses calls after close(); close() and flush() may repeat', () => {
    const logger = new CsvLogger({ dir });
    logger.logMetrics({ loss: 1 }, 0);
    logger.close();
    logger.close();
    logger.flush();
    expect(() => logger.logMetrics({ loss: 1 }, 1)).toThrow(/after close/);
    expect(readCsv()).toEqual([['step', 'loss'], ['0', '1']]);
  });

  it('flushes from a process exit handler (flush is synchronous)', () => {
    const code = `
      import { CsvLogger } from ${JSON.stringify(csvModule)};
      const logger = new CsvLogger({ dir: ${JSON.stringify(dir)} });
      process.on('exit', () => logger.flush());
      for (let step = 0; step < 5; step++) logger.logMetrics({ loss: step }, step);
      process.exit(3);`;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(3);
    expect(readCsv()).toEqual([['step', 'loss'], ...[0, 1, 2, 3, 4].map((s) => [String(s), String(s)])]);
  });
});

describe('CsvLogger on resume (keepStepsUpTo)', () => {
  it('drops the rows past the checkpoint step, then appends what the resumed run logs, byte for byte like one straight run', () => {
    const straight = path.join(dir, 'straight');
    const once = new CsvLogger({ dir: straight, flushEveryNSteps: 1 });
    for (let step = 1; step <= 8; step++) once.logMetrics(step === 6 ? { loss: step / 10, acc: 1 } : { loss: step / 10 }, step);
    once.close();

    const interrupted = new CsvLogger({ dir, flushEveryNSteps: 1 });
    for (let step = 1; step <= 7; step++) interrupted.logMetrics(step === 6 ? { loss: step / 10, acc: 1 } : { loss: step / 10 }, step);
    interrupted.flush();
    fs.appendFileSync(file, '7,0.'); // killed mid-write
    const resumed = new CsvLogger({ dir, flushEveryNSteps: 1, keepStepsUpTo: 4 });
    expect(resumed.lastStep).toBe(4);
    expect(readCsv().map((row) => row[0])).toEqual(['step', '1', '2', '3', '4']);
    for (let step = 5; step <= 8; step++) resumed.logMetrics(step === 6 ? { loss: step / 10, acc: 1 } : { loss: step / 10 }, step);
    resumed.close();
    expect(resumed.lastStep).toBe(8);
    expect(fs.readFileSync(file, 'utf8')).toBe(fs.readFileSync(path.join(straight, 'metrics.csv'), 'utf8'));
  });

  it('keeps every row when none is past the step, and drops them all for a checkpoint that had logged nothing', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 1 });
    for (let step = 0; step < 3; step++) logger.logMetrics({ loss: step }, step);
    logger.close();
    new CsvLogger({ dir, keepStepsUpTo: 10 }).close();
    expect(readCsv()).toHaveLength(4);
    new CsvLogger({ dir, keepStepsUpTo: -1 }).close();
    expect(readCsv()).toEqual([['step', 'loss']]);
  });

  it('reads rows longer than one read chunk', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 1 });
    const wide = Object.fromEntries(Array.from({ length: 4000 }, (_, i) => [`m${i}`, i + 0.123456789]));
    for (let step = 1; step <= 5; step++) logger.logMetrics(wide, step);
    logger.close();
    new CsvLogger({ dir, keepStepsUpTo: 3 }).close();
    expect(readCsv().map((row) => row[0])).toEqual(['step', '1', '2', '3']);
  });
});

describe('CsvLogger on resume: the checkpoint step', () => {
  it('merges metrics logged again for the checkpoint step into its row instead of adding a second one', () => {
    const logger = new CsvLogger({ dir, flushEveryNSteps: 1 });
    logger.logMetrics({ loss: 0.5 }, 1);
    logger.logMetrics({ loss: 0.25 }, 2);
    logger.flush(); // the checkpoint at step 2 flushes here
    logger.logMetrics({ epoch: 1 }, 2); // logged after the save, in the same step
    logger.logMetrics({ loss: 0.125 }, 3);
    logger.close();
    const straight = fs.readFileSync(file, 'utf8');

    const resumed = new CsvLogger({ dir, flushEveryNSteps: 1, keepStepsUpTo: 2 });
    resumed.logMetrics({ epoch: 1 }, 2);
    resumed.logMetrics({ loss: 0.125 }, 3);
    resumed.close();
    expect(fs.readFileSync(file, 'utf8')).toBe(straight);
    expect(readCsv()).toEqual([['step', 'loss', 'epoch'], ['1', '0.5', ''], ['2', '0.25', '1'], ['3', '0.125', '']]);
  });
});
