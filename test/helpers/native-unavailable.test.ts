/**
 * Only in project `native`, and only when @tensorflow/tfjs-node's addon does not load (vitest.config.ts probes it):
 * one skipped test that says why, so the summary shows the native engine went untested instead of passing silently.
 */
import { it } from 'vitest';

const reason = process.env.FABRIC_NATIVE_UNAVAILABLE ?? 'the addon did not load';
it.skip(`the engine-sensitive tests on tfjs-node (addon does not load: ${reason}; build it with bash scripts/build-tfjs-node.sh)`, () => {});
