import { defineConfig } from 'vitest/config';
import { probeNativeAddon } from './test/helpers/native-addon.js';

/**
 * The engine matrix. Tests whose outcome depends on the tfjs engine (tensor math, wrappers, strategies,
 * precision, optimizers, checkpoints, DDP/sharded/resume runs, leak checks, templates) run once per engine:
 * project `wasm` and project `native` (tfjs-node). Everything else runs once, in project `common`, pinned to
 * wasm so a CLI run behaves the same whether or not the native addon is built. Ranks spawned by the CLI
 * inherit FABRIC_TFJS_BACKEND (see test/helpers/cli.ts cleanEnv), so e2e runs use the project's engine too.
 */
const ENGINE_TESTS = [
  'test/helpers/engine.test.ts',
  'test/fabric.test.ts',
  'test/module.test.ts',
  'test/seed.test.ts',
  'test/callbacks/checkpoint.test.ts',
  'test/accelerators/tensor-view.test.ts',
  'test/checkpoint/state.test.ts',
  'test/data/tensor-dataset.test.ts',
  'test/optim/**/*.test.ts',
  'test/precision/**/*.test.ts',
  'test/strategies/**/*.test.ts',
  'test/wrappers/**/*.test.ts',
  'test/templates/**/*.test.ts',
  'test/e2e/ddp.test.ts',
  'test/e2e/precision.test.ts',
  'test/e2e/resume.test.ts',
  'test/e2e/resume-cli.test.ts',
  'test/e2e/run-model.test.ts',
  'test/e2e/sharded.test.ts',
  'test/e2e/sharded-checkpoint.test.ts',
];
/** Needs both engines, so it runs in project `native` only. */
const CROSS_ENGINE_TESTS = ['test/e2e/engines-agree.test.ts'];
/** Stands in for the native project when the addon does not load: one skipped test that says why. */
const NATIVE_UNAVAILABLE = 'test/helpers/native-unavailable.test.ts';
const ALL_TESTS = 'test/**/*.test.{ts,tsx}';

const firstLook = !(globalThis as { nativeAddonProbes?: unknown }).nativeAddonProbes;
const native = probeNativeAddon(import.meta.dirname);
if (!native.loads && firstLook) {
  console.warn(`note: project 'native' skipped: @tensorflow/tfjs-node's addon does not load here (${native.reason}). Build it with: bash scripts/build-tfjs-node.sh`);
}

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // e2e tests spawn real processes; two cores, so keep parallelism modest
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: { name: 'common', include: [ALL_TESTS], exclude: [...ENGINE_TESTS, ...CROSS_ENGINE_TESTS, NATIVE_UNAVAILABLE], env: { FABRIC_TFJS_BACKEND: 'wasm' } },
      },
      {
        extends: true,
        test: { name: 'wasm', include: ENGINE_TESTS, env: { FABRIC_TFJS_BACKEND: 'wasm' }, setupFiles: ['test/helpers/engine-setup.ts'] },
      },
      native.loads
        ? {
            extends: true,
            test: { name: 'native', include: [...ENGINE_TESTS, ...CROSS_ENGINE_TESTS], env: { FABRIC_TFJS_BACKEND: 'tensorflow' }, setupFiles: ['test/helpers/engine-setup.ts'] },
          }
        : {
            extends: true,
            test: { name: 'native', include: [NATIVE_UNAVAILABLE], env: { FABRIC_NATIVE_UNAVAILABLE: native.reason } },
          },
    ],
  },
});
