/**
 * The safety net under the wasm backend: a kernel that tfjs's pure-JS `cpu` backend has and wasm lacks runs on the
 * pure-JS implementation. Inputs are copied off the wasm heap into temporary cpu tensors, the cpu kernel runs, its
 * outputs are copied back onto the heap, and every temporary cpu tensor is freed. Slower than a real wasm kernel
 * (two copies, JS arithmetic), but a model never stops with "Kernel 'X' not registered for backend 'wasm'".
 */
import type { DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { Tf } from '../accelerator.js';
import type { WasmBackend, WasmKernelArgs } from './wasm-backend.js';

/** The parts of tfjs's pure-JS backend the bridge uses. */
interface CpuBackend {
  write(values: unknown, shape: number[], dtype: DataType): object;
  readSync(dataId: object): unknown;
  disposeData(dataId: object, force?: boolean): boolean;
}

interface HeapReader {
  readSync(dataId: object): unknown;
}

/** Kernel names already announced in this process: the note goes to the rank log once per name. */
const announced = new Set<string>();

function announce(kernelName: string): void {
  if (announced.has(kernelName)) return;
  announced.add(kernelName);
  process.stderr.write(`tfjs-fabric: kernel '${kernelName}' has no wasm implementation; running it on the pure-JS backend (slower)\n`);
}

/** Kernel functions made by this file, so coverage reports can tell a fallback from a real wasm kernel. */
const fallbackFuncs = new WeakSet<KernelFunc>();

export function isCpuFallback(kernelFunc: KernelFunc): boolean {
  return fallbackFuncs.has(kernelFunc);
}

/** The values of `values` as the typed array the wasm heap stores for `dtype` (cpu kernels may return plain arrays). */
function asHeapValues(values: unknown, dtype: DataType): unknown {
  if (dtype === 'string') return values;
  const Typed = dtype === 'float32' ? Float32Array : dtype === 'int32' ? Int32Array : Uint8Array;
  return values instanceof Typed ? values : Typed.from(values as ArrayLike<number>);
}

/**
 * A wasm kernel function that runs `kernelName` on the pure-JS backend. `announceUse` is false for the calls our own
 * wasm kernels make for the rare configurations they leave to the cpu (e.g. NCHW), which are not gaps.
 */
export function cpuKernelOnWasm(tf: Tf, kernelName: string, announceUse = true): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs): TensorInfo | TensorInfo[] => {
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    const cpu = tf.engine().findBackend('cpu') as unknown as CpuBackend | null;
    if (!cpuKernel || !cpu) throw new Error(`tfjs-fabric: kernel '${kernelName}' has no wasm implementation and the pure-JS backend is not available to run it.`);
    if (announceUse) announce(kernelName);
    const temporaries: object[] = [];
    try {
      // Inputs come as a named map, or as an array for kernels of many tensors (Concat, Einsum, AddN).
      const cpuInputs: Record<string, TensorInfo> | TensorInfo[] = Array.isArray(inputs) ? [] : {};
      for (const [name, input] of Object.entries(inputs)) {
        if (input.dtype === 'complex64') throw complexError(kernelName);
        const dataId = cpu.write((backend as unknown as HeapReader).readSync(input.dataId), input.shape, input.dtype);
        temporaries.push(dataId);
        (cpuInputs as Record<string, TensorInfo>)[name] = { dataId, shape: input.shape, dtype: input.dtype };
      }
      const result = cpuKernel.kernelFunc({ inputs: cpuInputs, backend: cpu, attrs } as unknown as Parameters<KernelFunc>[0]) as TensorInfo | TensorInfo[];
      const outputs = Array.isArray(result) ? result : [result];
      for (const output of outputs) temporaries.push(output.dataId);
      const copied = outputs.map((output) => copyToWasm(cpu, backend, output, kernelName));
      return Array.isArray(result) ? copied : copied[0];
    } finally {
      for (const dataId of temporaries) cpu.disposeData(dataId);
    }
  };
  const func = kernel as unknown as KernelFunc;
  fallbackFuncs.add(func);
  return func;
}

function copyToWasm(cpu: CpuBackend, backend: WasmBackend, output: TensorInfo, kernelName: string): TensorInfo {
  if (output.dtype === 'complex64') throw complexError(kernelName);
  const values = asHeapValues(cpu.readSync(output.dataId), output.dtype);
  const makeOutput = backend.makeOutput as (shape: number[], dtype: DataType, offset?: number, values?: unknown) => TensorInfo;
  return makeOutput.call(backend, output.shape, output.dtype, undefined, values);
}

function complexError(kernelName: string): Error {
  return new Error(
    `tfjs-fabric: kernel '${kernelName}' works on complex64 tensors, which tfjs's wasm backend cannot hold. ` +
      'Run this model on the pure-JS backend (FABRIC_TFJS_BACKEND=cpu) or on tfjs-node.',
  );
}

/**
 * Registers the fallback for every kernel the pure-JS backend has and wasm does not (call it after our own wasm
 * kernels are registered). Returns the names it registered.
 */
export function registerCpuFallbacks(tf: Tf): string[] {
  const onWasm = new Set(tf.getKernelsForBackend('wasm').map((k) => k.kernelName));
  const added: string[] = [];
  for (const { kernelName } of tf.getKernelsForBackend('cpu')) {
    if (onWasm.has(kernelName)) continue;
    tf.registerKernel({ kernelName, backendName: 'wasm', kernelFunc: cpuKernelOnWasm(tf, kernelName) });
    added.push(kernelName);
  }
  return added;
}
