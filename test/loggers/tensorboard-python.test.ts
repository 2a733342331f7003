import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TensorBoardLogger } from '../../src/loggers/tensorboard.js';

// Reads our files with TensorBoard's own Python readers, when the `tensorboard` package is importable
// (`pip install tensorboard`); elsewhere the test is skipped and says why.

const reader = fileURLToPath(new URL('./read_tfevents.py', import.meta.url));
const probe = spawnSync('python3', ['-c', 'import tensorboard'], { encoding: 'utf8' });
const hasTensorBoard = probe.status === 0;
if (!hasTensorBoard) {
  console.warn('Skipping the TensorBoard reader test: `python3 -c "import tensorboard"` failed; pip install tensorboard to run it.');
}

interface ReaderOutput {
  file_version: number;
  scalars: Record<string, [number, number][]>;
  tensors: Record<string, { plugin: string; steps: number[]; values?: string[][]; data?: Record<string, any> }>;
  served_plugins: string[];
  served_scalar_steps: Record<string, number[]>;
}

describe.skipIf(!hasTensorBoard)('TensorBoard (Python) reads our event files', () => {
  let dir: string;
  let seen: ReaderOutput;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-tb-py-'));
    // A run that stops after step 9 (its last checkpoint at step 5), then resumes from step 6.
    const first = new TensorBoardLogger({ dir });
    first.logHyperparams({ lr: 0.01, optimizer: { name: 'adam' }, amp: false });
    for (let step = 0; step < 10; step++) first.logMetrics({ loss: 1 / (step + 1), 'val/acc': step / 10 }, step);
    first.logText('notes', 'hello **world**', 3);
    first.flush();
    const resumed = new TensorBoardLogger({ dir, resumeFromStep: 6 });
    resumed.logHyperparams({ lr: 0.01, optimizer: { name: 'adam' }, amp: false });
    for (let step = 6; step < 12; step++) resumed.logMetrics({ loss: 100 + step }, step);
    resumed.close();
    first.close();
    const run = spawnSync('python3', [reader, dir], { encoding: 'utf8', timeout: 60_000 });
    if (run.status !== 0) throw new Error(`read_tfevents.py failed (${String(run.status)}):\n${run.stderr}`);
    seen = JSON.parse(run.stdout) as ReaderOutput;
  });
  afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sees file_version 2 and every scalar at its step, the resumed steps replacing the orphaned ones', () => {
    expect(seen.file_version).toBe(2);
    expect(seen.scalars.loss).toEqual([
      ...[0, 1, 2, 3, 4, 5].map((step) => [step, Math.fround(1 / (step + 1))]),
      ...[6, 7, 8, 9, 10, 11].map((step) => [step, 100 + step]),
    ]);
    expect(seen.scalars['val/acc'].map(([step]) => step)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it("purges the orphaned steps in the server's reader too, and lists the scalars, text and hparams plugins", () => {
    expect(seen.served_plugins).toEqual(['hparams', 'scalars', 'text']);
    expect(seen.served_scalar_steps.loss).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(seen.served_scalar_steps['val/acc']).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('decodes the text summary as a string tensor of the text plugin', () => {
    expect(seen.tensors.notes).toEqual({ plugin: 'text', steps: [3], values: [['hello **world**']] });
  });

  it('parses the hparams plugin data: experiment, session start and end', () => {
    expect(seen.tensors['_hparams_/experiment'].data?.experiment).toMatchObject({
      hparamInfos: [
        { name: 'lr', type: 'DATA_TYPE_FLOAT64' },
        { name: 'optimizer/name', type: 'DATA_TYPE_STRING' },
        { name: 'amp', type: 'DATA_TYPE_BOOL' },
      ],
      metricInfos: [{ name: { tag: 'loss' } }, { name: { tag: 'val/acc' } }],
    });
    expect(seen.tensors['_hparams_/session_start_info'].data?.sessionStartInfo.hparams).toEqual({
      lr: 0.01,
      'optimizer/name': 'adam',
      amp: false,
    });
    expect(seen.tensors['_hparams_/session_end_info'].data?.sessionEndInfo.status).toBe('STATUS_SUCCESS');
  });
});
