import { FabricUserError } from '../errors.js';

const OUT_OF_SPACE = new Set(['ENOSPC', 'EDQUOT']);

/** A full disk (or quota) while a logger writes is the user's to fix: one clear paragraph instead of a stack. */
export function loggerWriteError(file: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (!code || !OUT_OF_SPACE.has(code)) return error;
  return new FabricUserError(
    `Could not write '${file}': ${code === 'EDQUOT' ? 'the disk quota is exceeded' : 'no space left on the device'} (${code}). ` +
      'The rows written before are intact; free some space (or pass --root-dir on a larger disk) and resume from your last checkpoint.',
  );
}
