/**
 * Faults 1, 2 and 8 of the fault suite: a rank throws, exits, is SIGKILLed or SIGSTOPped at a random step, or
 * the launcher loses its terminal and is SIGKILLed. Each run is a real 2-rank `fabric run model` whose every
 * process carries a marker, so "nothing left behind" is checked against /proc, not against pids we guessed.
 */
import * as fs from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { eventually, normalizeMessage, removeTempDirs } from '../helpers/cli.js';
import { faultRuns, killMarked, processesWithMarker, readRunInfo, recordOutcome, rng, startFaultRun, type FaultRun } from './harness.js';

const started: FaultRun[] = [];
afterEach(() => started.splice(0).forEach((run) => killMarked(run.marker)));
afterAll(removeTempDirs);

function start(options: Parameters<typeof startFaultRun>[0]): FaultRun {
  const run = startFaultRun(options);
  started.push(run);
  return run;
}

/** Polls the victim's pid until it is gone; the time it was first seen gone (the fault's moment for throw/exit). */
async function timeOfDeath(pid: number): Promise<number> {
  await eventually(() => {
    try {
      process.kill(pid, 0);
      const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
      return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
    } catch {
      return true;
    }
  }, 60_000, 10);
  return Date.now();
}

const runs = faultRuns(1);
const crashKinds = ['throw', 'exit', 'sigkill'] as const;

describe('fault 1: a rank throws, exits or is SIGKILLed at a random step', () => {
  const random = rng('rank-crash');
  const cases = crashKinds.flatMap((kind) => Array.from({ length: runs }, (_, i) => ({ kind, i, victim: random.int(0, 1), at: random.int(2, 12) })));
  it.each(cases)('$kind on rank $victim at step $at (run $i)', async ({ kind, victim, at }) => {
    const fail = kind === 'sigkill' ? [] : ['--fail-rank', String(victim), '--fail-at', String(at), '--fail-how', kind];
    const run = start({ args: ['--steps', '100000', '--sleep-ms', '20', '--spawn-sleeper', ...fail] });
    expect(await eventually(() => run.pidOf(victim) !== undefined && run.pidOf(1 - victim) !== undefined, 60_000), run.cli.stderr()).toBe(true);
    const victimPid = run.pidOf(victim)!;
    let faultAt: number;
    if (kind === 'sigkill') {
      await eventually(() => run.stepOf(victim) >= at, 60_000, 5);
      // The CLI, two ranks and their sleepers: the marker scan sees the run, so "0 left" later means something.
      expect(processesWithMarker(run.marker).length).toBeGreaterThanOrEqual(5);
      process.kill(victimPid, 'SIGKILL');
      faultAt = Date.now();
    } else {
      faultAt = await timeOfDeath(victimPid);
    }
    const result = await run.cli.done;
    const secondsToExit = (Date.now() - faultAt) / 1000;
    const left = processesWithMarker(run.marker);
    const how = kind === 'throw' ? 'exited with code 1' : kind === 'exit' ? 'exited with code 3' : 'was killed by SIGKILL';
    const named = normalizeMessage(result.output).includes(`[rank ${victim}] ${how}; stopping the other ranks.`) && readRunInfo(run.runDir).failedRank === victim;
    const expected = result.code !== 0 && result.code !== null && named && secondsToExit <= 6 && left.length === 0;
    recordOutcome({ fault: `1. rank ${kind === 'throw' ? 'throws' : kind === 'exit' ? 'calls process.exit(3)' : 'is SIGKILLed'}`, expected, leftBehind: left.length, lost: 0, detail: `rank ${victim} step ${at}: exit ${result.code} after ${secondsToExit.toFixed(1)} s` });
    expect(left, 'processes of the run still running after the CLI exited').toEqual([]);
    expect(result.code, result.output).not.toBe(0);
    expect(result.code).not.toBeNull();
    if (kind === 'exit') expect(result.code).toBe(3);
    expect(normalizeMessage(result.output)).toContain(`[rank ${victim}] ${how}; stopping the other ranks.`);
    expect(readRunInfo(run.runDir)).toMatchObject({ status: 'failed', failedRank: victim });
    expect(secondsToExit, 'seconds from the fault to the end of the run').toBeLessThanOrEqual(6);
  });
});

describe('fault 2: a rank is SIGSTOPped', () => {
  const random = rng('rank-stop');
  const cases = Array.from({ length: runs }, (_, i) => ({ i, victim: random.int(0, 1), at: random.int(2, 12) }));
  it.each(cases)('rank $victim stopped at step $at: reported stalled, then the collective timeout ends the run naming it (run $i)', async ({ victim, at }) => {
    const stallTimeout = 2;
    const collectiveTimeout = 4;
    const run = start({ flags: [`--stall-timeout=${stallTimeout}`, `--collective-timeout=${collectiveTimeout}`], args: ['--steps', '100000', '--sleep-ms', '20'] });
    expect(await eventually(() => run.stepOf(victim) >= at, 60_000, 5)).toBe(true);
    process.kill(run.pidOf(victim)!, 'SIGSTOP');
    const stoppedAt = Date.now();
    const stalled = await run.cli.waitFor(new RegExp(`\\[rank ${victim}\\] stalled: no heartbeat`)).then(() => (Date.now() - stoppedAt) / 1000, () => Infinity);
    const result = await run.cli.done;
    const left = processesWithMarker(run.marker);
    const output = normalizeMessage(result.output);
    // Heartbeats go out and are checked once a second: the report may come up to ~2 s after the threshold, plus CI slack.
    const stalledInTime = stalled <= stallTimeout + 3;
    const namedByTimeout = new RegExp(`timed out.*did not arrive: ${victim}\\b`).test(output);
    const expected = stalledInTime && namedByTimeout && result.code !== 0 && left.length === 0;
    recordOutcome({ fault: '2. rank is SIGSTOPped', expected, leftBehind: left.length, lost: 0, detail: `rank ${victim} step ${at}: stalled after ${stalled.toFixed(1)} s, exit ${result.code}` });
    expect(left).toEqual([]);
    expect(stalled, 'seconds from SIGSTOP to the stall report').toBeLessThanOrEqual(stallTimeout + 3);
    expect(output).toMatch(new RegExp(`timed out.*did not arrive: ${victim}\\b`));
    expect(result.code).not.toBe(0);
  });
});

describe('fault 8: the launcher loses its terminal (SIGHUP) and is SIGKILLed', () => {
  const random = rng('launcher-hup');
  const cases = Array.from({ length: runs }, (_, i) => ({ i, delayMs: random.int(0, 300) }));
  it.each(cases)('SIGHUP, then SIGKILL $delayMs ms later: every rank exits by itself (run $i)', async ({ delayMs }) => {
    const run = start({ args: ['--steps', '100000', '--sleep-ms', '20', '--spawn-sleeper'] });
    expect(await eventually(() => run.stepOf(0) >= 2 && run.stepOf(1) >= 2, 60_000)).toBe(true);
    run.cli.child.kill('SIGHUP');
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    run.cli.child.kill('SIGKILL');
    const killedAt = Date.now();
    await run.cli.done;
    const gone = await eventually(() => processesWithMarker(run.marker).length === 0, 5_000, 50);
    const left = processesWithMarker(run.marker);
    recordOutcome({ fault: '8. launcher SIGHUP + SIGKILL', expected: gone, leftBehind: left.length, lost: 0, detail: `all gone ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL` });
    expect(left, 'processes that outlived their launcher by 5 s').toEqual([]);
  });
});
