import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FabricUserError } from '../errors.js';

export type LoadedTrainFn = (fabric: unknown, args: string[]) => unknown;

/** Imports the user's script (TypeScript through tsx, registered by the launcher) and finds its train function. */
export async function loadTrainFunction(scriptPath: string): Promise<LoadedTrainFn> {
  if (!fs.existsSync(scriptPath)) throw new FabricUserError(`Training script '${scriptPath}' does not exist. Check the path (it is resolved from the current directory).`);
  const module = (await import(pathToFileURL(scriptPath).href)) as Record<string, unknown>;
  const candidate = typeof module.train === 'function' ? module.train : module.default;
  if (typeof candidate === 'function') return candidate as LoadedTrainFn;
  const exported = Object.keys(module).filter((k) => k !== 'default' || module.default !== undefined);
  const what = exported.length ? `It exports: ${exported.map((k) => `${k} (${typeof module[k]})`).join(', ')}.` : 'It exports nothing.';
  throw new FabricUserError(
    `Training script '${scriptPath}' has no \`train\` function. ${what} Add \`export async function train(fabric: Fabric, args: string[]) { ... }\` (or make it the default export).`,
  );
}
