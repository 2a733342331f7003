/**
 * The main of every rank process. The launcher starts it with tsx registered, so the user's TypeScript
 * loads directly. It seeds, builds Fabric from the launcher's env, runs `train(fabric, args)` and maps
 * the outcome to an exit code: 0 done, 1 the script threw (stack shown), 2 a user mistake (message only).
 */
import * as tf from '@tensorflow/tfjs';
import { silenceNodeBanner, verboseFromEnv } from '../accelerators/tfjs-banner.js';
import { Fabric } from '../fabric.js';
import { isFabricUserError } from '../errors.js';
import { seedEverything } from '../seed.js';
import { loadTrainFunction } from './load-script.js';
import { describeRankFailure, RANK_STACK_TRACE_LIMIT } from './rank-failure.js';

Error.stackTraceLimit = RANK_STACK_TRACE_LIMIT;


async function main(): Promise<number> {
  const script = process.env.FABRIC_SCRIPT;
  if (!script) throw new Error('FABRIC_SCRIPT is not set: rank-entry is started by `fabric run model`.');
  const args: string[] = JSON.parse(process.env.FABRIC_SCRIPT_ARGS ?? '[]');
  if (process.env.FABRIC_SEED) seedEverything(Number(process.env.FABRIC_SEED));
  // Before the script runs: a tensor it makes at import time would print tfjs's Node.js banner.
  if (!verboseFromEnv(process.env)) silenceNodeBanner(tf);
  const train = await loadTrainFunction(script);
  const fabric = new Fabric();
  stopGracefullyOn(fabric);
  await fabric.launch();
  try {
    await train(fabric, args);
  } catch (error) {
    // Loggers record the failure (TensorBoard's session status) before the error is reported.
    await fabric.teardown({ failed: true }).catch(() => undefined);
    throw error;
  }
  await fabric.teardown();
  return 0;
}

/**
 * SIGINT (the launcher's first Ctrl+C) stops gracefully: `onInterrupt` hooks run (the user may save), loggers
 * flush. SIGTERM (teardown after another rank failed) only flushes. A vanished launcher (IPC closed) means
 * nobody will ever collect this rank: flush and exit rather than linger as an orphan.
 */
function stopGracefullyOn(fabric: Fabric): void {
  let stopping = false;
  const stop = async (code: number, runHooks: boolean) => {
    if (stopping) return;
    stopping = true;
    fabric.stopRequested = true;
    if (runHooks) {
      try {
        await fabric.call('onInterrupt');
      } catch (error) {
        process.stderr.write(`onInterrupt failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      }
    }
    await fabric.settle();
    fabric.flushLoggers();
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(130, true));
  process.on('SIGTERM', () => void stop(143, false));
  process.on('SIGHUP', () => void stop(129, false));
  process.on('disconnect', () => void stop(129, false));
}

/** A collective that failed because another rank went away is not this rank's fault; the launcher blames the peer. */
function isConsequenceOfPeer(error: unknown): boolean {
  const { name, kind } = (error ?? {}) as { name?: string; kind?: string };
  return name === 'CollectiveError' && kind !== 'timeout' && kind !== 'mismatch';
}

/** Tells the launcher why this rank fails, then exits once the message is out (or after a short wait). */
function failWith(code: number, error: unknown): void {
  const exit = () => process.exit(code);
  if (!process.connected || !process.send) return exit();
  setTimeout(exit, 500).unref();
  process.send({ type: 'failed', rank: Number(process.env.RANK ?? 0), time: Date.now(), consequence: isConsequenceOfPeer(error) }, undefined, {}, exit);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isFabricUserError(error)) {
      process.stderr.write(`Error: ${error.message}\n`);
      return failWith(2, error);
    }
    process.stderr.write(`${describeRankFailure(error)}\n`);
    failWith(1, error);
  },
);
