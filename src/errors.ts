/**
 * A mistake the user can fix (bad flag, bad config, missing file, wrong checkpoint).
 * The CLI and the rank entry print only its message (one paragraph, no stack) and exit with code 2.
 */
export class FabricUserError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'FabricUserError';
  }
}

export function isFabricUserError(error: unknown): error is FabricUserError {
  return error instanceof Error && error.name === 'FabricUserError';
}
