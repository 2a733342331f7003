import { expect } from 'vitest';
import { FabricUserError } from '../../src/errors.js';

/** The FabricUserError message `fn` throws; fails the test if it throws anything else or nothing. */
export function userErrorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(FabricUserError);
    return (error as Error).message;
  }
  throw new Error('expected a FabricUserError');
}

/** The FabricUserError that `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function userErrorFrom(promise: Promise<unknown>): Promise<FabricUserError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FabricUserError);
  return error as FabricUserError;
}
