import { FabricUserError } from '../errors.js';
import { activateBackend, importOptional, type Accelerator, type ResolvedAccelerator, type Tf } from './accelerator.js';
import { addonFixText, findNativePackage, TFJS_NODE, TFJS_NODE_GPU } from './native-package.js';
import { silenceNodeBanner, verboseFromEnv } from './tfjs-banner.js';
import { describeWasmKernelCoverage, registerWasmKernels } from './wasm-kernels/index.js';

/**
 * The native engine for the CPU: tfjs-node, else tfjs-node-gpu with its GPUs hidden (the same binding; both
 * register the 'tensorflow' backend). Returns why it was chosen, or undefined when neither loads.
 */
async function loadNativeCpu(): Promise<string | undefined> {
  if ((await importOptional(TFJS_NODE)) !== undefined) return `${TFJS_NODE} is installed (native libtensorflow)`;
  if (!findNativePackage(TFJS_NODE_GPU)?.addonBuilt) return undefined;
  // TensorFlow reads this when the addon loads and looks for GPUs: --accelerator=cpu must not compute on one.
  process.env.CUDA_VISIBLE_DEVICES = '-1';
  if ((await importOptional(TFJS_NODE_GPU)) === undefined) return undefined;
  return `${TFJS_NODE_GPU} is installed and ${TFJS_NODE} is not: native libtensorflow on the CPU, GPUs hidden (CUDA_VISIBLE_DEVICES=-1)`;
}

/** Why the native engine is not used, for the reason line of the fallback. */
function whyNotNative(): string {
  const cpuPackage = findNativePackage(TFJS_NODE);
  if (!cpuPackage) return `${TFJS_NODE} is not installed`;
  if (!cpuPackage.addonBuilt) return `${TFJS_NODE} is installed without its native addon (${addonFixText(TFJS_NODE)} builds it)`;
  return `${TFJS_NODE} failed to load (\`fabric env\` shows why)`;
}

/** The CPU backends in the order we prefer them: fastest first. `load` answers why it was chosen, or undefined. */
const CPU_BACKENDS = [
  { backend: 'tensorflow', load: loadNativeCpu },
  { backend: 'wasm', load: async () => ((await importOptional('@tensorflow/tfjs-backend-wasm')) === undefined ? undefined : `${whyNotNative()}; the WebAssembly backend ships with tfjs-fabric`) },
  { backend: 'cpu', load: async () => 'neither tfjs-node nor the WebAssembly backend could be loaded; pure-JS fallback (slow)' },
] as const;

const BACKEND_ALIASES: Record<string, string> = { node: 'tensorflow', tensorflow: 'tensorflow', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu', js: 'cpu' };

export const cpuAccelerator: Accelerator = {
  name: 'cpu',
  description: 'CPU through tfjs-node if installed, else WebAssembly (SIMD), else pure JS. FABRIC_TFJS_BACKEND=tensorflow|wasm|cpu forces one.',
  async isAvailable() {
    return true;
  },
  async resolve(tf: Tf, env: NodeJS.ProcessEnv): Promise<ResolvedAccelerator> {
    // Before any tensor exists: the pure-JS backend prints its banner on its first one.
    if (!verboseFromEnv(env)) silenceNodeBanner(tf);
    const forced = env.FABRIC_TFJS_BACKEND?.trim();
    if (forced) return resolveForcedBackend(tf, forced);
    for (const candidate of CPU_BACKENDS) {
      const why = await candidate.load();
      if (why === undefined) continue;
      if (await activateBackend(tf, candidate.backend)) {
        return withFastKernels(tf, { accelerator: 'cpu', backend: candidate.backend, reason: why });
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
    const install =
      backend === 'tensorflow'
        ? ` ${whyNotNative()}. Install it with \`npm install ${TFJS_NODE}\` and let its install script build the addon (${addonFixText(TFJS_NODE)}), or unset FABRIC_TFJS_BACKEND.`
        : ' Unset FABRIC_TFJS_BACKEND to pick the fastest available backend.';
    throw new FabricUserError(`FABRIC_TFJS_BACKEND=${forced} asks for the '${backend}' backend, but it could not be loaded.${install}`);
  }
  return withFastKernels(tf, { accelerator: 'cpu', backend, reason: `forced by FABRIC_TFJS_BACKEND=${forced}` });
}

/**
 * On wasm, registers our kernels (faster ones and the gradients stock wasm lacks) and the pure-JS fallback for the
 * rest (only there: they call wasm internals), and says so.
 */
function withFastKernels(tf: Tf, resolved: ResolvedAccelerator): ResolvedAccelerator {
  if (resolved.backend !== 'wasm') return resolved;
  const kernels = registerWasmKernels(tf);
  if (kernels.length === 0) return resolved;
  const { fallback } = describeWasmKernelCoverage(tf);
  return { ...resolved, reason: `${resolved.reason}; tfjs-fabric's faster wasm kernels: ${kernels.join(', ')}; ${fallback.length} more run on the pure-JS fallback` };
}
