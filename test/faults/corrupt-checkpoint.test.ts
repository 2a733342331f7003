/**
 * Fault 5: damaged checkpoint bytes. A real 2-rank run saves a checkpoint; each case damages a copy (a byte
 * flipped in a safetensors header, one in the tensor data, a file truncated) and loads it through fabric.load.
 * Every case must fail with a FabricUserError naming the damaged file; a load that succeeds is a silently wrong model.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isFabricUserError } from '../../src/errors.js';
import { makeTempDir, removeTempDirs } from '../helpers/cli.js';
import { closeLoader, loadFaultTrainCheckpoint } from './checkpoint-contract.js';
import { envCount, recordOutcome, rng, startFaultRun } from './harness.js';

let good: string;
beforeAll(async () => {
  const run = startFaultRun({ args: ['--steps', '3', '--sleep-ms', '0', '--save-every', '3', '--ckpt-dir', 'ckpt'] });
  const result = await run.cli.done;
  expect(result.code, result.output).toBe(0);
  good = path.join(run.ckpt, 'step_3');
  expect(await loadFaultTrainCheckpoint(good)).toBe(3);
}, 90_000);
afterAll(async () => {
  await closeLoader();
  removeTempDirs();
});

type Damage = 'flip header' | 'flip data' | 'truncate';
const FILES = ['model.safetensors', 'optimizer.safetensors'] as const;

/** Applies `damage` to `file` at a seeded position; returns where, for the report. */
function damageFile(file: string, damage: Damage, random: ReturnType<typeof rng>): string {
  const bytes = fs.readFileSync(file);
  const headerEnd = 8 + Number(bytes.readBigUInt64LE(0));
  if (damage === 'truncate') {
    const length = random.int(0, bytes.length - 1);
    fs.truncateSync(file, length);
    return `to ${length} of ${bytes.length} bytes`;
  }
  const at = damage === 'flip header' ? random.int(0, headerEnd - 1) : random.int(headerEnd, bytes.length - 1);
  bytes[at] ^= 1 << random.int(0, 7);
  fs.writeFileSync(file, bytes);
  return `byte ${at}`;
}

describe('fault 5: corrupted checkpoint bytes', () => {
  const cases = envCount('FABRIC_FAULT_CORRUPTIONS', 4);
  it.each(['flip header', 'flip data', 'truncate'] as const)('%s: a clear error naming the file, never a silently wrong model', async (damage) => {
    const random = rng(`corrupt-${damage}`);
    const failures: string[] = [];
    for (let i = 0; i < cases; i++) {
      const copy = path.join(makeTempDir('fabric-corrupt-'), 'ckpt');
      fs.cpSync(good, copy, { recursive: true });
      const file = random.pick(FILES);
      const where = damageFile(path.join(copy, file), damage, random);
      let problem: string | null = null;
      try {
        await loadFaultTrainCheckpoint(copy);
        problem = 'loaded without an error';
      } catch (error) {
        if (!isFabricUserError(error)) problem = `not a user error: ${String(error)}`;
        else if (!(error as Error).message.includes(path.join(copy, file))) problem = `message does not name the file: ${(error as Error).message}`;
      }
      recordOutcome({ fault: '5. corrupted checkpoint bytes', expected: problem === null, leftBehind: 0, lost: problem === 'loaded without an error' ? 1 : 0, detail: `${damage} ${file} ${where}` });
      if (problem) failures.push(`${damage} ${file} ${where}: ${problem}`);
    }
    expect(failures).toEqual([]);
  }, 60_000 + cases * 2_000);
});

describe('fault 5: corrupted state.json', () => {
  // state.json holds the checksums of the other files and one of its own contents, so a flip that still parses
  // (a learning rate, a strategy name, a step) is refused too. Flips that change nothing once parsed are not counted.
  it('a bit flipped anywhere in state.json never loads as a different state', async () => {
    const random = rng('corrupt-state-json');
    const original = fs.readFileSync(path.join(good, 'state.json'));
    const parsed = JSON.parse(original.toString('utf8')) as unknown;
    const silent: string[] = [];
    for (let i = 0; i < envCount('FABRIC_FAULT_CORRUPTIONS', 4) * 10; i++) {
      const bytes = Buffer.from(original);
      const at = random.int(0, bytes.length - 1);
      bytes[at] ^= 1 << random.int(0, 7);
      let changed = true;
      try {
        changed = !isDeepStrictEqual(JSON.parse(bytes.toString('utf8')), parsed);
      } catch {
        // does not parse: load must refuse it, which the checks below see
      }
      if (!changed) continue;
      const copy = path.join(makeTempDir('fabric-corrupt-'), 'ckpt');
      fs.cpSync(good, copy, { recursive: true });
      fs.writeFileSync(path.join(copy, 'state.json'), bytes);
      let problem: string | null = null;
      try {
        await loadFaultTrainCheckpoint(copy);
        problem = 'loaded without an error';
      } catch (error) {
        if (!isFabricUserError(error)) problem = `not a user error: ${String(error).slice(0, 200)}`;
      }
      recordOutcome({ fault: '5. corrupted state.json bytes', expected: problem === null, leftBehind: 0, lost: problem === 'loaded without an error' ? 1 : 0, detail: `byte ${at}: ${JSON.stringify(original.subarray(Math.max(0, at - 12), at + 4).toString())}` });
      if (problem) silent.push(`byte ${at}: ${problem}`);
    }
    expect(silent).toEqual([]);
  }, 120_000);
});
