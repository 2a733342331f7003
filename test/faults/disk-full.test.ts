/**
 * Fault 4: the disk fills up during fabric.save and during logging. A preloaded module (inject-fs.mjs) gives the
 * chosen paths a byte budget and fails the write that crosses it with ENOSPC after its first bytes landed, as a
 * full disk does; no mount or root needed. The run must end with one clear paragraph (exit 2, no stack), the
 * previous checkpoint must load, and metrics.csv must hold only complete rows.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { normalizeMessage, readCsv, removeTempDirs, STACK_FRAME } from '../helpers/cli.js';
import { checkpointLikeEntries, checkpointProblem, closeLoader, loadFaultTrainCheckpoint } from './checkpoint-contract.js';
import { faultRuns, injectorEnv, killMarked, processesWithMarker, recordOutcome, rng, startFaultRun, type FaultRun } from './harness.js';

const started: FaultRun[] = [];
afterEach(() => started.splice(0).forEach((run) => killMarked(run.marker)));
afterAll(async () => {
  await closeLoader();
  removeTempDirs();
});

const runs = faultRuns(1);

describe('fault 4: disk full', () => {
  const random = rng('disk-full-save');
  const saveCases = Array.from({ length: runs }, (_, i) => ({ i, budget: random.int(0, 600) }));
  it.each(saveCases)('during fabric.save after $budget bytes: a clear error, the previous checkpoint intact (run $i)', async ({ budget }) => {
    const run = startFaultRun({
      args: ['--steps', '8', '--sleep-ms', '0', '--save-every', '3', '--ckpt-dir', 'ckpt'],
      env: injectorEnv({ FAULT_ENOSPC_MATCH: '/ckpt/step_6', FAULT_ENOSPC_BYTES: String(budget) }),
    });
    started.push(run);
    const result = await run.cli.done;
    const left = processesWithMarker(run.marker).length;
    const message = normalizeMessage(result.output);
    let lost = 0;
    let step = 0;
    try {
      step = await loadFaultTrainCheckpoint(path.join(run.ckpt, 'step_3'));
    } catch {
      lost++;
    }
    const entries = fs.readdirSync(run.ckpt);
    const clear = result.code === 2 && message.includes("Could not save the checkpoint") && message.includes('step_6') && /no space left/.test(message) && !STACK_FRAME.test(result.output);
    const expected = clear && lost === 0 && step === 3 && checkpointProblem(path.join(run.ckpt, 'step_3')) === null && entries.length === 1 && left === 0;
    recordOutcome({ fault: '4. disk full during save', expected, leftBehind: left, lost, detail: `budget ${budget} B: exit ${result.code}, entries ${entries.join(' ')}` });
    expect(result.code, result.output).toBe(2);
    expect(message).toMatch(/Could not save the checkpoint '[^']*step_6': no space left on the device/);
    expect(result.output).not.toMatch(STACK_FRAME);
    expect(step).toBe(3);
    // Neither a partial step_6 nor its temp dir stays behind.
    expect(entries).toEqual(['step_3']);
    expect(checkpointLikeEntries(run.ckpt)).toEqual(['step_3']);
    expect(left).toBe(0);
  });

  const logCases = Array.from({ length: runs }, (_, i) => ({ i, budget: random.int(40, 700) }));
  it.each(logCases)('while logging, metrics.csv full after $budget bytes: a clear error, only complete rows kept (run $i)', async ({ budget }) => {
    const run = startFaultRun({
      flags: ['--flush-logs-every-n-steps=2'],
      args: ['--steps', '60', '--sleep-ms', '0'],
      env: injectorEnv({ FAULT_FS_RANK: '0', FAULT_ENOSPC_MATCH: 'metrics\\.csv', FAULT_ENOSPC_BYTES: String(budget) }),
    });
    started.push(run);
    const result = await run.cli.done;
    const left = processesWithMarker(run.marker).length;
    const csvPath = path.join(run.runDir, 'metrics.csv');
    const text = fs.existsSync(csvPath) ? fs.readFileSync(csvPath, 'utf8') : '';
    const table = readCsv(csvPath);
    // Every row complete: a step, then a finite loss; steps 1..k without gaps; the file ends at a line break.
    const badRows = table.rows.filter((row, i) => row.length !== 2 || Number(row[0]) !== i + 1 || !Number.isFinite(Number(row[1])) || row[1] === '').length;
    const torn = text.length > 0 && !text.endsWith('\n') ? 1 : 0;
    const lost = badRows + torn + (text.length > 0 && table.header.join(',') !== 'step,loss' ? 1 : 0);
    const message = normalizeMessage(result.output);
    const clear = result.code === 2 && /Could not write '[^']*metrics\.csv': no space left on the device/.test(message) && !STACK_FRAME.test(result.output);
    recordOutcome({ fault: '4. disk full while logging', expected: clear && lost === 0 && left === 0, leftBehind: left, lost, detail: `budget ${budget} B: ${table.rows.length} complete rows, exit ${result.code}` });
    expect(result.code, result.output).toBe(2);
    expect(message).toMatch(/Could not write '[^']*metrics\.csv': no space left on the device/);
    expect(result.output).not.toMatch(STACK_FRAME);
    expect(lost, text).toBe(0);
    expect(left).toBe(0);
  });
});
