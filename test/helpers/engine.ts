/**
 * The tfjs engine a test run exercises. vitest.config.ts runs the suite as projects, one per engine, and sets
 * FABRIC_TFJS_BACKEND for each; Fabric, and every rank the CLI spawns (cleanEnv keeps the variable), resolve the
 * `cpu` accelerator to that backend.
 */
import { expect } from 'vitest';

/** The backend forced for this project (wasm, tensorflow), or undefined when tests run outside the matrix. */
export const ENGINE_UNDER_TEST: string | undefined = process.env.FABRIC_TFJS_BACKEND?.trim() || undefined;

/**
 * Checks that the rank the CLI shows (rank 0) started on the engine under test, from its plain-mode line
 * `[rank 0] started on backend 'NAME'`. Without a forced engine it only checks that the line is there.
 */
export function expectLiveRankOnEngine(output: string): void {
  const started = output.match(/\[rank 0\] started on backend '([^']+)'/);
  expect(started, `no "started on backend" line in:\n${output}`).not.toBeNull();
  if (ENGINE_UNDER_TEST) expect(started![1], `rank 0 ran on '${started![1]}'`).toBe(ENGINE_UNDER_TEST);
}
