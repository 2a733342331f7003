import { spawnSync } from 'node:child_process';
import * as tf from '@tensorflow/tfjs';
import { activateBackend, importOptional } from './accelerator.js';
import { cpuAccelerator } from './cpu.js';
import { findNativePackage, missingAddonAdvice, TFJS_NODE, TFJS_NODE_GPU, type NativePackage, type NativePackageName } from './native-package.js';
import { resolveAccelerator } from './registry.js';
import { predictRankEngine } from './predict-engine.js';
import { describeWasmKernelCoverage } from './wasm-kernels/index.js';

export interface BackendProbe {
  backend: string;
  package: string;
  loads: boolean;
  detail: string;
}

/** What `fabric env` knows about one native package: installed, addon built, addon loads, libtensorflow version. */
export interface NativeProbe {
  package: NativePackageName;
  installed: boolean;
  version?: string;
  addonPath?: string;
  addonBuilt?: boolean;
  loads?: boolean;
  /** TF_Version() of the libtensorflow the addon loaded. */
  tensorflowVersion?: string;
  /** Whether TensorFlow found a GPU device (the binding's isUsingGpuDevice). */
  usesGpu?: boolean;
  /** Why the addon did not load, shortened to its first line. */
  error?: string;
  /** How to fix a package without its addon. */
  fix?: string;
}

const MAX_ERROR = 240;

/** The first line of an error, cut to a readable length. */
export function shortenError(text: string): string {
  const line = text.split('\n').map((l) => l.trim()).find((l) => l !== '') ?? 'no message';
  return line.length > MAX_ERROR ? `${line.slice(0, MAX_ERROR)}...` : line;
}

/**
 * Loads the package's addon in a child process, never here: a broken libtensorflow may crash whoever loads it,
 * and loading it costs ~350 MB. The binding itself answers TF_Version and isUsingGpuDevice; tfjs is not loaded.
 */
export function loadAddonInChild(addonPath: string, env: NodeJS.ProcessEnv): Pick<NativeProbe, 'loads' | 'tensorflowVersion' | 'usesGpu' | 'error'> {
  const code = `try { const b = require(${JSON.stringify(addonPath)}); process.stdout.write(JSON.stringify({ version: b.TF_Version, gpu: b.isUsingGpuDevice() })); } catch (e) { process.stdout.write(JSON.stringify({ error: String(e && e.message || e) })); }`;
  const child = spawnSync(process.execPath, ['-e', code], { env: { ...env, TF_CPP_MIN_LOG_LEVEL: env.TF_CPP_MIN_LOG_LEVEL ?? '1' }, encoding: 'utf8', timeout: 60_000 });
  if (child.error) return { loads: false, error: shortenError(child.error.message) };
  if (child.signal) return { loads: false, error: `loading the addon killed the process (${child.signal})` };
  try {
    const answer = JSON.parse(child.stdout) as { version?: string; gpu?: boolean; error?: string };
    if (answer.error !== undefined) return { loads: false, error: shortenError(answer.error) };
    return { loads: true, tensorflowVersion: answer.version, usesGpu: answer.gpu };
  } catch {
    return { loads: false, error: shortenError(child.stderr || `exited with code ${child.status} and no answer`) };
  }
}

export function probeNativePackage(name: NativePackageName, env: NodeJS.ProcessEnv, find: (name: NativePackageName) => NativePackage | undefined = findNativePackage): NativeProbe {
  const found = find(name);
  if (!found) return { package: name, installed: false };
  const base = { package: name, installed: true, version: found.version, addonPath: found.addonPath, addonBuilt: found.addonBuilt };
  if (!found.addonBuilt) return { ...base, loads: false, fix: missingAddonAdvice(found) };
  return { ...base, ...loadAddonInChild(found.addonPath, env) };
}

/** Which tfjs backends load on this machine (for `fabric env`), and what `cpu`/`auto` resolve to. */
export async function probeBackends(env: NodeJS.ProcessEnv) {
  const native = [probeNativePackage(TFJS_NODE, env), probeNativePackage(TFJS_NODE_GPU, env)];
  const nativeDetail = (p: NativeProbe) =>
    !p.installed ? 'not installed' : !p.addonBuilt ? 'installed, native addon not built' : p.loads ? `addon loads, libtensorflow ${p.tensorflowVersion}${p.usesGpu ? ', GPU found' : ''}` : `addon fails to load: ${p.error}`;
  const backends: BackendProbe[] = [
    ...native.map((p) => ({ backend: p.package === TFJS_NODE ? 'tensorflow' : 'tensorflow (GPU)', package: p.package, loads: p.loads === true, detail: nativeDetail(p) })),
  ];
  const wasmLoads = (await importOptional('@tensorflow/tfjs-backend-wasm')) !== undefined;
  backends.push({ backend: 'wasm', package: '@tensorflow/tfjs-backend-wasm', loads: wasmLoads, detail: wasmLoads ? 'installed' : 'not installed' });
  const jsLoads = await activateBackend(tf, 'cpu');
  backends.push({ backend: 'cpu', package: '@tensorflow/tfjs (pure JS)', loads: jsLoads, detail: jsLoads ? 'always available (slow)' : 'failed to start' });

  // A native engine that loads in the child is described from there, so this process never loads libtensorflow.
  const describe = async (name: string) => {
    const target = predictRankEngine(name, env);
    const probe = native.find((p) => p.package === target.package?.name);
    if (target.engine === 'native') {
      const usable = probe?.loads === true && (target.accelerator !== 'cuda' || probe.usesGpu === true);
      const gpusHidden = target.accelerator === 'cpu' && probe?.package === TFJS_NODE_GPU ? ', GPUs hidden' : '';
      if (usable) return `tensorflow (${target.accelerator}: ${probe!.package} ${probe!.version}, libtensorflow ${probe!.tensorflowVersion}${gpusHidden})`;
      if (target.accelerator === 'cuda') return `unavailable: ${probe?.loads ? 'TensorFlow found no GPU' : (probe?.error ?? probe?.fix ?? `${TFJS_NODE_GPU} is not installed`)}`;
      return `wasm (${probe?.package ?? TFJS_NODE} addon fails to load: ${probe?.error ?? 'unknown'}; the ranks fall back to WebAssembly)`;
    }
    try {
      const resolved = await resolveAccelerator(name, tf, env);
      return `${resolved.backend} (${resolved.reason})`;
    } catch (error) {
      return `unavailable: ${(error as Error).message}`;
    }
  };
  const auto = await describe('auto');
  const cpu = await describe('cpu');
  let wasm: { reason: string; simd: boolean } | undefined;
  if (wasmLoads) {
    const resolved = await cpuAccelerator.resolve(tf, { ...env, FABRIC_TFJS_BACKEND: 'wasm' });
    // Its reason reads "forced by FABRIC_TFJS_BACKEND=wasm; <our kernels>": keep the kernels part.
    wasm = { reason: resolved.reason.split('; ').slice(1).join('; ') || 'stock tfjs kernels', simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT') };
  }
  return { native, backends, cpu, auto, wasm, wasmSimd: wasm?.simd, wasmKernelCoverage: wasmLoads ? describeWasmKernelCoverage(tf) : undefined };
}
