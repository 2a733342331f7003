/**
 * Our kernels for tfjs's wasm backend, registered once the backend is active: faster replacements for stock kernels,
 * the gradient kernels the stock backend lacks, and under them a fallback to the pure-JS backend for every other
 * kernel it lacks. A replacement keeps the stock kernel's setup function (it runs again whenever the backend is
 * re-activated) and may call the stock kernels; `restoreStockWasmKernels` puts the stock set back.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { Tf } from '../accelerator.js';
import { createBatchMatMul } from './batch-mat-mul.js';
import { createCast } from './cast.js';
import { createConv2DBackpropFilter } from './conv2d-backprop-filter.js';
import { createConv2DBackpropInput } from './conv2d-backprop-input.js';
import { cpuKernelOnWasm, isCpuFallback, registerCpuFallbacks } from './cpu-fallback.js';
import { createDepthwiseConv2dBackpropFilter } from './depthwise-conv2d-backprop-filter.js';
import { createDepthwiseConv2dBackpropInput } from './depthwise-conv2d-backprop-input.js';
import { createIdentity } from './identity.js';
import { createMaxPoolGrad } from './max-pool-grad.js';
import { createUnsortedSegmentSum } from './unsorted-segment-sum.js';

/** The stock wasm kernels ours may call. */
const STOCK_KERNELS = ['BatchMatMul', 'Transpose', 'Identity', 'Cast'] as const;
type StockKernels = Record<(typeof STOCK_KERNELS)[number], KernelFunc>;

interface WasmKernel {
  kernelName: string;
  /** `onCpu` runs the same kernel on the pure-JS backend, for configurations ours leaves to it (NCHW, other dtypes). */
  create(stock: StockKernels, onCpu: KernelFunc): KernelFunc;
}

const KERNELS: WasmKernel[] = [
  { kernelName: 'BatchMatMul', create: createBatchMatMul },
  { kernelName: 'Identity', create: createIdentity },
  { kernelName: 'Cast', create: createCast },
  { kernelName: 'Conv2DBackpropFilter', create: createConv2DBackpropFilter },
  { kernelName: 'Conv2DBackpropInput', create: createConv2DBackpropInput },
  { kernelName: 'DepthwiseConv2dNativeBackpropFilter', create: (_, onCpu) => createDepthwiseConv2dBackpropFilter(onCpu) },
  { kernelName: 'DepthwiseConv2dNativeBackpropInput', create: (_, onCpu) => createDepthwiseConv2dBackpropInput(onCpu) },
  { kernelName: 'UnsortedSegmentSum', create: (_, onCpu) => createUnsortedSegmentSum(onCpu) },
  { kernelName: 'MaxPoolGrad', create: (_, onCpu) => createMaxPoolGrad(onCpu) },
];

/**
 * Stock wasm kernels (tfjs 4.22) whose results are wrong, checked against the pure-JS backend and TensorFlow
 * itself: they run on the pure-JS fallback instead (rare enough that a fast kernel of ours is not worth it yet).
 * Conv3DBackpropInputV2 gives conv3d a wrong input gradient and conv3dTranspose a wrong forward pass.
 */
const WRONG_STOCK_KERNELS = ['Conv3DBackpropInputV2'];

/** Per tfjs instance (a process may hold more than one copy of tfjs): what we registered, and the stock config it replaced, if any. */
const registered = new WeakMap<object, Map<string, KernelConfig | undefined>>();

/** Names of our own wasm kernels (for `fabric env` and tests). */
export const WASM_KERNEL_OVERRIDES = KERNELS.map((k) => k.kernelName);

/**
 * Registers our wasm kernels, then the pure-JS fallback for every kernel still missing; a second call changes
 * nothing. Returns the names of our own kernels now registered (empty when the wasm backend is not loaded).
 */
export function registerWasmKernels(tf: Tf): string[] {
  const engine = tf.engine();
  const done = registered.get(engine) ?? new Map<string, KernelConfig | undefined>();
  registered.set(engine, done);
  const stock = {} as StockKernels;
  for (const name of STOCK_KERNELS) {
    const config = done.get(name) ?? tf.getKernel(name, 'wasm');
    if (!config) return [];
    stock[name] = config.kernelFunc;
  }
  for (const kernel of KERNELS) {
    if (done.has(kernel.kernelName)) continue;
    const original = tf.getKernel(kernel.kernelName, 'wasm');
    if (original) tf.unregisterKernel(kernel.kernelName, 'wasm');
    const kernelFunc = kernel.create(stock, cpuKernelOnWasm(tf, kernel.kernelName, false));
    tf.registerKernel({ kernelName: kernel.kernelName, backendName: 'wasm', setupFunc: original?.setupFunc, kernelFunc });
    done.set(kernel.kernelName, original);
  }
  for (const name of WRONG_STOCK_KERNELS) {
    const original = tf.getKernel(name, 'wasm');
    if (done.has(name) || !original) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ kernelName: name, backendName: 'wasm', kernelFunc: cpuKernelOnWasm(tf, name) });
    done.set(name, original);
  }
  for (const name of registerCpuFallbacks(tf)) done.set(name, undefined);
  return WASM_KERNEL_OVERRIDES.filter((name) => done.has(name));
}

/** Puts the stock wasm kernels back and removes the ones we added (benchmarks and tests compare against stock). */
export function restoreStockWasmKernels(tf: Tf): void {
  const done = registered.get(tf.engine());
  if (!done) return;
  for (const [name, original] of done) {
    tf.unregisterKernel(name, 'wasm');
    if (original) tf.registerKernel(original);
  }
  done.clear();
}

export interface WasmKernelCoverage {
  /** Kernels tfjs-fabric implements for wasm (faster replacements and the gradients stock wasm lacks). */
  ours: string[];
  /** Kernels that run on the pure-JS backend's implementation, copied in and out of the wasm heap (missing or wrong on stock wasm). */
  fallback: string[];
}

/**
 * What runs where on wasm: our kernels, and the kernels left to the pure-JS fallback (those the pure-JS backend has
 * and neither stock wasm nor we do). Answers the same before and after registration; both lists are empty when the
 * wasm backend is not loaded in this process.
 */
export function describeWasmKernelCoverage(tf: Tf): WasmKernelCoverage {
  if (!tf.getKernel('Transpose', 'wasm')) return { ours: [], fallback: [] };
  const onWasm = new Map(tf.getKernelsForBackend('wasm').map((k) => [k.kernelName, k.kernelFunc]));
  const ours = new Set(WASM_KERNEL_OVERRIDES);
  const fallback = tf
    .getKernelsForBackend('cpu')
    .map((k) => k.kernelName)
    .filter((name) => !ours.has(name) && (!onWasm.has(name) || WRONG_STOCK_KERNELS.includes(name) || isCpuFallback(onWasm.get(name)!)));
  return { ours: [...WASM_KERNEL_OVERRIDES], fallback: fallback.sort() };
}
