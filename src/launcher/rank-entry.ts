/**
 * The main of every rank process. The launcher starts it with tsx registered, so the user's TypeScript
 * loads directly. It seeds, builds Fabric from the launcher's env, runs `train(fabric, args)` and maps
 * the outcome to an exit code: 0 done, 1 the script threw (stack shown), 2 a user mistake (message only).
 */
import { Fabric } from '../fabric.js';
import { isFabricUserError } from '../errors.js';
import { seedEverything } from '../seed.js';
import { loadTrainFunction } from './load-script.js';

const SIGNAL_EXIT_CODES: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<number> {
  const script = process.env.FABRIC_SCRIPT;
  if (!script) throw new Error('FABRIC_SCRIPT is not set: rank-entry is started by `fabric run model`.');
  const args: string[] = JSON.parse(process.env.FABRIC_SCRIPT_ARGS ?? '[]');
  if (process.env.FABRIC_SEED) seedEverything(Number(process.env.FABRIC_SEED));
  const train = await loadTrainFunction(script);
  const fabric = new Fabric();
  await fabric.launch();
  stopGracefullyOn(fabric);
  await train(fabric, args);
  await fabric.teardown();
  return 0;
}

/** Signals and a vanished launcher: flush what was logged, then exit; never linger as an orphan. */
function stopGracefullyOn(fabric: Fabric): void {
  for (const signal of Object.keys(SIGNAL_EXIT_CODES)) {
    process.on(signal, () => {
      fabric.flushLoggers();
      process.exit(SIGNAL_EXIT_CODES[signal]);
    });
  }
  process.on('disconnect', () => {
    fabric.flushLoggers();
    process.exit(129);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (isFabricUserError(error)) {
      process.stderr.write(`Error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
