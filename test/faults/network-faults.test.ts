/**
 * Faults 6 and 7: strangers at the rendezvous port of a live 2-rank run (wrong token, random bytes, a silent
 * client, 1,000 rapid connections) must be refused or timed out, logged once each, and leave the run unharmed;
 * ranks that call mismatched collectives must both fail with a clear error instead of hanging.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { RemoteStoreClient } from '../../src/collectives/store-client.js';
import { eventually, removeTempDirs } from '../helpers/cli.js';
import { envCount, faultRuns, killMarked, processesWithMarker, readRunInfo, recordOutcome, startFaultRun, type FaultRun } from './harness.js';

const started: FaultRun[] = [];
afterEach(() => started.splice(0).forEach((run) => killMarked(run.marker)));
afterAll(removeTempDirs);

/** Connects, optionally writes `bytes`, and resolves with how long the server took to close the connection. */
function knock(port: number, bytes?: Uint8Array): Promise<{ closedAfterMs: number; localPort: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect({ host: '127.0.0.1', port });
    let localPort = 0;
    socket.on('connect', () => {
      localPort = socket.localPort ?? 0;
      if (bytes) socket.write(bytes);
    });
    socket.on('data', () => {});
    socket.on('error', () => {});
    socket.on('close', () => (localPort ? resolve({ closedAfterMs: Date.now() - started, localPort }) : reject(new Error('could not connect'))));
  });
}

/** `count` connections, `parallel` at a time, each closed by us as soon as it is open. */
async function flood(port: number, count: number, parallel = 100): Promise<number> {
  let opened = 0;
  for (let done = 0; done < count; done += parallel) {
    await Promise.all(
      Array.from({ length: Math.min(parallel, count - done) }, () =>
        new Promise<void>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port }, () => {
            opened++;
            socket.destroy();
          });
          socket.on('error', () => resolve());
          socket.on('close', () => resolve());
        }),
      ),
    );
  }
  return opened;
}

describe('fault 6: strangers at the rendezvous port', () => {
  it.each(Array.from({ length: faultRuns(1) }, (_, i) => i))('wrong token, random bytes, silence and a flood are refused and logged once; the run is unharmed (run %i)', async () => {
    const floodSize = envCount('FABRIC_FAULT_FLOOD', 1000);
    const run = startFaultRun({ args: ['--steps', '5', '--sleep-ms', '20', '--stop-file', 'stop'] });
    started.push(run);
    expect(await eventually(() => run.stepOf(0) >= 2 && run.stepOf(1) >= 2, 60_000)).toBe(true);
    const port = readRunInfo(run.runDir).config!.mainPort!;
    const stepBefore = run.stepOf(0);

    const wrongToken = await RemoteStoreClient.connect({ host: '127.0.0.1', port, token: 'not-the-token', rank: 1, connectTimeoutMs: 2_000, authTimeoutMs: 2_000 }).then(
      (client) => {
        client.socket.destroy();
        return 'accepted';
      },
      (error: Error) => error.message,
    );
    const garbage = await knock(port, randomBytes(256));
    // The silent client is refused (and logged) when its auth timeout ends, before the flood fills the log.
    const silent = await knock(port);
    const opened = await flood(port, floodSize);
    // Connections are accepted in order: once one sent after the flood is refused, the flood was handled too.
    await knock(port, randomBytes(64));
    fs.writeFileSync(path.join(run.dir, 'stop'), '');
    const result = await run.cli.done;
    const left = processesWithMarker(run.marker).length;

    const log = fs.readFileSync(path.join(run.runDir, 'rank_0.log'), 'utf8');
    const refusals = log.split('\n').filter((line) => line.includes('refused a connection from'));
    const linesFor = (localPort: number) => refusals.filter((line) => line.includes(`127.0.0.1:${localPort}:`));
    const total = Number(/refused (\d+) connections? in total/.exec(log)?.[1] ?? NaN);
    const checks = {
      wrongTokenRefused: wrongToken !== 'accepted' && refusals.some((line) => line.endsWith('wrong token.')),
      garbageRefusedOnce: linesFor(garbage.localPort).length === 1,
      silentTimedOutOnce: linesFor(silent.localPort).length === 1 && linesFor(silent.localPort)[0].includes('did not authenticate within'),
      floodCounted: opened === floodSize && total >= floodSize + 4,
      noPeerLoggedTwice: new Set(refusals).size === refusals.length,
      runUnharmed: result.code === 0 && run.stepOf(0) > stepBefore && result.output.includes('done at step'),
    };
    const expected = Object.values(checks).every(Boolean) && left === 0;
    recordOutcome({ fault: '6. strangers at the rendezvous port', expected, leftBehind: left, lost: 0, detail: `${JSON.stringify(checks)} flood ${opened}, logged total ${total}` });
    expect(checks, `rank_0.log:\n${log.slice(0, 4000)}`).toEqual(Object.fromEntries(Object.keys(checks).map((k) => [k, true])));
    // The silent client is dropped by the auth timeout (5 s), not left open for the run's lifetime.
    expect(silent.closedAfterMs).toBeLessThan(30_000);
    expect(left).toBe(0);
  });
});

describe('fault 7: mismatched collectives across ranks', () => {
  const cases = (['op', 'size'] as const).flatMap((kind) => Array.from({ length: faultRuns(1) }, (_, i) => ({ kind, i })));
  it.each(cases)('different $kind: a clear error on every rank, not a hang (run $i)', async ({ kind }) => {
    // A long collective timeout: if the ranks only stopped by timing out, the test's own timeout would hit first.
    const run = startFaultRun({ flags: ['--collective-timeout=600'], args: ['--steps', '10', '--sleep-ms', '0', '--mismatch', kind], timeoutMs: 60_000 });
    started.push(run);
    const result = await run.cli.done;
    const left = processesWithMarker(run.marker).length;
    const logs = [0, 1].map((rank) => fs.readFileSync(path.join(run.runDir, `rank_${rank}.log`), 'utf8'));
    const clear = logs.map((log) => /CollectiveError: .*(mismatch|differ|called)/i.test(log));
    const expected = result.code !== 0 && result.signal === null && clear.every(Boolean) && left === 0;
    recordOutcome({ fault: `7. mismatched collectives (${kind})`, expected, leftBehind: left, lost: 0, detail: `exit ${result.code}; clear on ranks: ${clear}` });
    expect(result.signal, 'the CLI hung and was killed by the test').toBeNull();
    expect(result.code).not.toBe(0);
    expect(clear, logs.join('\n----\n')).toEqual([true, true]);
    expect(left).toBe(0);
  });
});
