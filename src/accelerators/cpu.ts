import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';
import { registerWasmKernels } from './wasm-kernels/index.js';

/** The CPU backends in the order we prefer them: fastest first. */
const CPU_BACKENDS = [
  { backend: 'tensorflow', load: () => importOptional('@tensorflow/tfjs-node'), why: '@tensorflow/tfjs-node is installed (native libtensorflow)' },
  { backend: 'wasm', load: () => importOptional('@tensorflow/tfjs-backend-wasm'), why: '@tensorflow/tfjs-node is not installed; the WebAssembly backend ships with tfjs-fabric' },
  { backend: 'cpu', load: async () => true, why: 'neither tfjs-node nor the WebAssembly backend could be loaded; pure-JS fallback (slow)' },
] as const;

const BACKEND_ALIASES: Record<string, string> = { node: 'tensorflow', tensorflow: 'tensorflow', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu', js: 'cpu' };

export const cpuAccelerator: Accelerator = {
  name: 'cpu',
  description: 'CPU through tfjs-node if installed, else WebAssembly (SIMD), else pure JS. FABRIC_TFJS_BACKEND=tensorflow|wasm|cpu forces one.',
  async isAvailable() {
    return true;
  },
  async resolve(tf: Tf, env: NodeJS.ProcessEnv): Promise<ResolvedAccelerator> {
    const forced = env.FABRIC_TFJS_BACKEND?.trim();
    if (forced) return resolveForcedBackend(tf, forced);
    for (const candidate of CPU_BACKENDS) {
      if ((await candidate.load()) === undefined) continue;
      if (await activateBackend(tf, candidate.backend)) {
        return withFastKernels(tf, { accelerator: 'cpu', backend: candidate.backend, reason: candidate.why });
      }
    }
    throw new Error('No tfjs CPU backend could be activated, not even the pure-JS one.');
  },
};

async function resolveForcedBackend(tf: Tf, forced: string): Promise<ResolvedAccelerator> {
  const backend = BACKEND_ALIASES[forced.toLowerCase()];
  if (!backend) {
    throw new FabricUserError(
      `FABRIC_TFJS_BACKEND='${forced}' is not a CPU backend. Use one of: tensorflow (needs @tensorflow/tfjs-node), wasm, cpu; or unset it to pick the fastest available.`,
    );
  }
  const candidate = CPU_BACKENDS.find((c) => c.backend === backend)!;
  const loaded = (await candidate.load()) !== undefined;
  if (!loaded || !(await activateBackend(tf, backend))) {
    const install = backend === 'tensorflow' ? ' Install it with `npm install @tensorflow/tfjs-node`, or unset FABRIC_TFJS_BACKEND.' : ' Unset FABRIC_TFJS_BACKEND to pick the fastest available backend.';
    throw new FabricUserError(`FABRIC_TFJS_BACKEND=${forced} asks for the '${backend}' backend, but it could not be loaded.${install}`);
  }
  return withFastKernels(tf, { accelerator: 'cpu', backend, reason: `forced by FABRIC_TFJS_BACKEND=${forced}` });
}

/** On wasm, registers our faster kernels over the stock ones (only there: they call wasm internals) and says so. */
function withFastKernels(tf: Tf, resolved: ResolvedAccelerator): ResolvedAccelerator {
  if (resolved.backend !== 'wasm') return resolved;
  const kernels = registerWasmKernels(tf);
  return kernels.length === 0 ? resolved : { ...resolved, reason: `${resolved.reason}; tfjs-fabric's faster wasm kernels: ${kernels.join(', ')}` };
}
