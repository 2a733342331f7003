import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  appendProgress,
  readProgress,
  readProgressFrom,
  type ProgressRecord,
} from '../../src/run-dir/progress-log.js';

const progressModule = fileURLToPath(new URL('../../src/run-dir/progress-log.ts', import.meta.url));

let dir: string;
let file: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-progress-'));
  file = path.join(dir, 'progress.jsonl');
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

const start: ProgressRecord = { rank: 0, step: 0, time: 1000, kind: 'start' };
const step1: ProgressRecord = { rank: 0, step: 1, time: 1100, kind: 'progress', metrics: { loss: 0.5 }, stepsPerSecond: 10 };
const beat: ProgressRecord = { rank: 1, step: 1, time: 1200, kind: 'heartbeat' };

describe('appendProgress / readProgress', () => {
  it('returns [] before the file exists', () => {
    expect(readProgress(file)).toEqual([]);
  });

  it('writes one JSON line per record and reads them back in order', () => {
    for (const record of [start, step1, beat]) appendProgress(file, record);
    expect(fs.readFileSync(file, 'utf8').split('\n')).toHaveLength(4); // three lines and the final newline
    expect(readProgress(file)).toEqual([start, step1, beat]);
  });

  it('keeps NaN and infinite metric values instead of turning them into null', () => {
    appendProgress(file, { rank: 0, step: 3, time: 1, kind: 'progress', metrics: { loss: NaN, grad: Infinity, low: -Infinity } });
    const [record] = readProgress(file);
    expect(record.metrics?.loss).toBeNaN();
    expect(record.metrics?.grad).toBe(Infinity);
    expect(record.metrics?.low).toBe(-Infinity);
    expect(record.kind).toBe('progress');
  });

  it('skips a torn last line and lines damaged in the middle', () => {
    appendProgress(file, start);
    fs.appendFileSync(file, '{"rank":0,"step":1,"ti'); // crashed mid-write...
    appendProgress(file, step1); // ...and a later append glued onto it
    appendProgress(file, beat);
    fs.appendFileSync(file, 'not json at all\n{"rank":2}\n');
    fs.appendFileSync(file, '{"rank":0,"step":9,"time":5,"kind":"end"'); // torn last line
    expect(readProgress(file)).toEqual([start, beat]);
  });
});

describe('readProgressFrom', () => {
  it('tails the file: only new records, and a line being written is picked up once complete', () => {
    appendProgress(file, start);
    const first = readProgressFrom(file);
    expect(first.records).toEqual([start]);

    const line = JSON.stringify(step1) + '\n';
    fs.appendFileSync(file, line.slice(0, 10));
    const partial = readProgressFrom(file, first.nextOffset);
    expect(partial).toEqual({ records: [], nextOffset: first.nextOffset });

    fs.appendFileSync(file, line.slice(10));
    appendProgress(file, beat);
    const rest = readProgressFrom(file, partial.nextOffset);
    expect(rest.records).toEqual([step1, beat]);
    expect(rest.nextOffset).toBe(fs.statSync(file).size);
    expect(readProgressFrom(path.join(dir, 'missing.jsonl'), 7)).toEqual({ records: [], nextOffset: 7 });
  });
});

describe('several ranks appending at once', () => {
  it('keeps every line whole', async () => {
    const ranks = 4;
    const perRank = 300;
    const code = (rank: number) => `
      import { appendProgress } from ${JSON.stringify(progressModule)};
      for (let step = 0; step < ${perRank}; step++) {
        appendProgress(${JSON.stringify(file)}, { rank: ${rank}, step, time: Date.now(), kind: 'progress',
          metrics: { loss: 1 / (step + 1), accuracy: step / ${perRank}, throughput: 123.456 } });
      }`;
    const exits = await Promise.all(
      Array.from({ length: ranks }, (_, rank) =>
        new Promise<number | null>((resolve, reject) => {
          const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code(rank)], { stdio: 'inherit' });
          child.on('error', reject);
          child.on('close', resolve);
        }),
      ),
    );
    expect(exits).toEqual(Array(ranks).fill(0));
    const records = readProgress(file);
    expect(records).toHaveLength(ranks * perRank);
    for (let rank = 0; rank < ranks; rank++) {
      const steps = records.filter((r) => r.rank === rank).map((r) => r.step);
      expect(steps).toEqual(Array.from({ length: perRank }, (_, i) => i));
    }
  });
});
