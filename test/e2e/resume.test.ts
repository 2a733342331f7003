/**
 * Save / load across processes: 20 straight steps must equal 10 steps, a checkpoint, and 10 more steps in a
 * new process, bit for bit (weights and every loss value).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvColumn, fixture, makeTempDir, readCsv, removeTempDirs, runModel, runVersions } from '../helpers/cli.js';

afterAll(removeTempDirs);

interface TinyTrainOutput {
  globalStep: number;
  losses: { step: number; loss: number }[];
  /** Float32 bytes of each weight tensor, hex. */
  weights: string[];
}

describe('resume from a checkpoint in a new process', () => {
  it('continues exactly where the saved run stopped', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const checkpoint = path.join(cwd, 'ckpt-step10');
    const run = async (name: string, flags: string[], scriptArgs: string[]): Promise<{ out: TinyTrainOutput; metrics: { step: string[]; loss: string[] }; stdout: string }> => {
      const outFile = path.join(cwd, `${name}.json`);
      const result = await runModel({ cwd, rootDir, flags: [`--name=${name}`, ...flags], script: fixture('tiny-train.ts'), scriptArgs: [...scriptArgs, '--out', outFile] });
      expect(result.code, result.output).toBe(0);
      const table = readCsv(path.join(rootDir, name, runVersions(rootDir, name).at(-1)!, 'metrics.csv'));
      return { out: JSON.parse(fs.readFileSync(outFile, 'utf8')) as TinyTrainOutput, metrics: { step: csvColumn(table, 'step'), loss: csvColumn(table, 'loss') }, stdout: result.stdout };
    };

    const straight = await run('straight', ['--seed=7'], ['--steps', '20']);
    const firstHalf = await run('first-half', ['--seed=7'], ['--steps', '10', '--save-at', '10', '--ckpt', checkpoint]);
    expect(fs.readdirSync(checkpoint).sort()).toEqual(['model.safetensors', 'optimizer.safetensors', 'state.json']);
    // Another seed: whatever the new process initialises must be replaced by the checkpoint.
    const resumed = await run('resumed', ['--seed=99'], ['--steps', '20', '--resume', checkpoint]);

    expect(straight.out.globalStep).toBe(20);
    expect(firstHalf.out.globalStep).toBe(10);
    expect(resumed.stdout).toContain('[rank 0] resumed from step 10 (global step 10)');
    expect(resumed.out.globalStep).toBe(20);

    // Losses are float32 values carried in doubles; JSON round-trips them exactly, so toEqual is bitwise.
    expect(firstHalf.out.losses).toEqual(straight.out.losses.slice(0, 10));
    expect(resumed.out.losses.map((l) => l.step)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19, 20]);
    expect(resumed.out.losses).toEqual(straight.out.losses.slice(10));
    expect(resumed.out.weights).toEqual(straight.out.weights);

    // The CSV logger's exact strings agree too, and the resumed run's steps continue at 11.
    expect(resumed.metrics.step).toEqual(straight.metrics.step.slice(10));
    expect(resumed.metrics.loss).toEqual(straight.metrics.loss.slice(10));
    expect(firstHalf.metrics.loss).toEqual(straight.metrics.loss.slice(0, 10));
  });
});
