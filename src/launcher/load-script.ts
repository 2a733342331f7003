import * as fs from 'node:fs';
import { pathToFileURL } from 'node:url';
import { FabricUserError } from '../errors.js';

export type LoadedTrainFn = (fabric: unknown, args: string[]) => unknown;

/** Imports the user's script (TypeScript through tsx, registered by the launcher) and finds its train function. */
export async function loadTrainFunction(scriptPath: string): Promise<LoadedTrainFn> {
  if (!fs.existsSync(scriptPath)) throw new FabricUserError(`Training script '${scriptPath}' does not exist. Check the path (it is resolved from the current directory).`);
  const module = (await import(pathToFileURL(scriptPath).href).catch((error: unknown) => {
    throw compileErrorOf(scriptPath, error) ?? error;
  })) as Record<string, unknown>;
  const candidate = typeof module.train === 'function' ? module.train : module.default;
  if (typeof candidate === 'function') return candidate as LoadedTrainFn;
  const exported = Object.keys(module).filter((k) => k !== 'default' || module.default !== undefined);
  const what = exported.length ? `It exports: ${exported.map((k) => `${k} (${typeof module[k]})`).join(', ')}.` : 'It exports nothing.';
  throw new FabricUserError(
    `Training script '${scriptPath}' has no \`train\` function. ${what} Add \`export async function train(fabric: Fabric, args: string[]) { ... }\` (or make it the default export).`,
  );
}

/**
 * Code that does not compile (esbuild's "Transform failed", or a SyntaxError from Node) is the user's to fix:
 * one paragraph with the compiler's file:line:column, not the compiler's own stack. Errors thrown while the
 * script's top level runs stay ordinary failures with their stack.
 */
function compileErrorOf(scriptPath: string, error: unknown): FabricUserError | undefined {
  const { name, message } = (error ?? {}) as { name?: string; message?: string };
  // tsx compiles in a loader thread; what reaches us is an Error named TransformError with esbuild's text.
  const fromEsbuild = name === 'TransformError' && typeof message === 'string' && message.startsWith('Transform failed');
  if (!fromEsbuild && name !== 'SyntaxError') return undefined;
  const reasons = String(message)
    .split('\n')
    .slice(fromEsbuild ? 1 : 0)
    .map((line) => line.trim())
    .filter(Boolean)
    .join('; ')
    // Random bytes in a file make control characters in the message; keep the paragraph printable and short.
    .replace(/[\u0000-\u001f\u007f-\u009f\ufffd]/g, '?');
  const shown = reasons.length > 400 ? `${reasons.slice(0, 400)}...` : reasons;
  return new FabricUserError(`Training script '${scriptPath}' could not be compiled: ${shown}. Fix the code at that position (is it a TypeScript or JavaScript file?).`);
}
