/**
 * tfjs's pure-JS backend prints "Hi, looks like you are running TensorFlow.js in Node.js..." (with rules above and
 * below) the first time it stores a tensor in Node. Under Fabric that is noise: we pick the backend, and the pure-JS
 * one also serves wasm's fallback kernels. The flags that would hide it change more than the banner: IS_TEST turns
 * on a leak check around every kernel, PROD hides every tfjs warning (including why a backend failed to start),
 * IS_NODE changes the platform. What gates the banner alone is the backend's own `firstUse` field (tfjs-backend-cpu
 * 4.22, MathBackendCPU.write), so we mark the instance as already used. --verbose keeps the banner.
 */
import type { Tf } from './accelerator.js';
import { validateConfigValue } from '../config/validate.js';

/** Whether FABRIC_VERBOSE (the launcher's --verbose) asks to keep tfjs's and TensorFlow's load messages. */
export function verboseFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env.FABRIC_VERBOSE;
  return raw !== undefined && raw.trim() !== '' && validateConfigValue('verbose', raw, 'FABRIC_VERBOSE') === true;
}

/** Silences the banner on this tfjs instance; returns whether the backend had a banner left to print. */
export function silenceNodeBanner(tf: Tf): boolean {
  const backend = tf.findBackend('cpu') as { firstUse?: unknown } | null;
  if (!backend || backend.firstUse !== true) return false;
  backend.firstUse = false;
  return true;
}
