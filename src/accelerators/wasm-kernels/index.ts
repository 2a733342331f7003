/**
 * Our faster kernels for tfjs's wasm backend, registered over the stock ones once the backend is active.
 * Each override keeps the stock kernel's setup function (it runs again whenever the backend is re-activated)
 * and may call the stock kernels it replaces; `restoreStockWasmKernels` puts the originals back.
 */
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { Tf } from '../accelerator.js';
import { createBatchMatMul } from './batch-mat-mul.js';
import { createCast } from './cast.js';
import { createIdentity } from './identity.js';

/** The stock wasm kernels ours may call. */
const STOCK_KERNELS = ['BatchMatMul', 'Transpose', 'Identity', 'Cast'] as const;
type StockKernels = Record<(typeof STOCK_KERNELS)[number], KernelFunc>;

interface KernelOverride {
  kernelName: keyof StockKernels;
  create(stock: StockKernels): KernelFunc;
}

const OVERRIDES: KernelOverride[] = [
  { kernelName: 'BatchMatMul', create: createBatchMatMul },
  { kernelName: 'Identity', create: createIdentity },
  { kernelName: 'Cast', create: createCast },
];

/** The stock configs we replaced, per tfjs instance (a process may hold more than one copy of tfjs). */
const replaced = new WeakMap<object, Map<string, KernelConfig>>();

/** Names of the kernels we override on wasm (for `fabric env` and tests). */
export const WASM_KERNEL_OVERRIDES = OVERRIDES.map((o) => o.kernelName);

/** Registers our wasm kernels over the stock ones; a second call changes nothing. Returns the names now overridden. */
export function registerWasmKernels(tf: Tf): string[] {
  const engine = tf.engine();
  const done = replaced.get(engine) ?? new Map<string, KernelConfig>();
  replaced.set(engine, done);
  const stock = {} as StockKernels;
  for (const name of STOCK_KERNELS) {
    const config = done.get(name) ?? tf.getKernel(name, 'wasm');
    if (!config) return [];
    stock[name] = config.kernelFunc;
  }
  for (const override of OVERRIDES) {
    if (done.has(override.kernelName)) continue;
    const original = tf.getKernel(override.kernelName, 'wasm')!;
    tf.unregisterKernel(override.kernelName, 'wasm');
    tf.registerKernel({ ...original, kernelFunc: override.create(stock) });
    done.set(override.kernelName, original);
  }
  return [...done.keys()];
}

/** Puts the stock wasm kernels back (benchmarks and tests compare against them). */
export function restoreStockWasmKernels(tf: Tf): void {
  const done = replaced.get(tf.engine());
  if (!done) return;
  for (const [name, original] of done) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(original);
  }
  done.clear();
}
