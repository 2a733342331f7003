import * as tf from '@tensorflow/tfjs';
import { activateBackend, importOptional } from './accelerator.js';
import { resolveAccelerator } from './registry.js';

export interface BackendProbe {
  backend: string;
  package: string;
  loads: boolean;
  detail: string;
}

/** Which tfjs backends load on this machine (for `fabric env`), and what `cpu`/`auto` resolve to. */
export async function probeBackends(env: NodeJS.ProcessEnv): Promise<{ backends: BackendProbe[]; cpu: string; auto: string; wasmSimd?: boolean }> {
  const backends: BackendProbe[] = [];
  const candidates = [
    { backend: 'tensorflow', package: '@tensorflow/tfjs-node' },
    { backend: 'tensorflow (GPU)', package: '@tensorflow/tfjs-node-gpu' },
    { backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm' },
    { backend: 'cpu', package: '@tensorflow/tfjs (pure JS)' },
  ];
  for (const candidate of candidates) {
    if (candidate.backend === 'cpu') {
      const loads = await activateBackend(tf, 'cpu');
      backends.push({ ...candidate, loads, detail: loads ? 'always available (slow)' : 'failed to start' });
      continue;
    }
    const loaded = (await importOptional(candidate.package)) !== undefined;
    backends.push({ ...candidate, loads: loaded, detail: loaded ? 'installed' : 'not installed' });
  }
  const describe = async (name: string) => {
    try {
      const resolved = await resolveAccelerator(name, tf, env);
      return `${resolved.backend} (${resolved.reason})`;
    } catch (error) {
      return `unavailable: ${(error as Error).message}`;
    }
  };
  const auto = await describe('auto');
  const cpu = await describe('cpu');
  const wasmSimd = tf.getBackend() === 'wasm' ? tf.env().getBool('WASM_HAS_SIMD_SUPPORT') : undefined;
  return { backends, cpu, auto, wasmSimd };
}
