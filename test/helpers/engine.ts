/**
 * The tfjs engine a test run exercises. vitest.config.ts runs the suite as projects, one per engine, and sets
 * FABRIC_TFJS_BACKEND for each; Fabric, and every rank the CLI spawns (cleanEnv keeps the variable), resolve the
 * `cpu` accelerator to that backend.
 */
import { spawnSync } from 'node:child_process';
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

export type AddonProbe = { loads: true } | { loads: false; reason: string };

/**
 * Whether @tensorflow/tfjs-node's native addon loads here, tried in a child process so the caller (vitest's
 * main process) does not map libtensorflow itself. The reason is the last line of the child's error.
 */
export function probeNativeAddon(cwd: string): AddonProbe {
  const child = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], {
    cwd,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status === 0) return { loads: true };
  const lines = `${child.error?.message ?? ''}\n${child.stderr ?? ''}`.split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /^Error:|Cannot find module|cannot open shared object/.test(l)) ?? lines.filter(Boolean).pop() ?? `exit code ${child.status}`;
  return { loads: false, reason };
}
