/**
 * Identity for the wasm backend without a copy. The stock kernel copies the whole buffer, and tfjs's gradient code
 * calls Identity often (about 100 copies of activation-sized tensors per Transformer step). tfjs tensors are
 * immutable, so sharing the buffer under a reference count is safe; the pure-JS backend does the same.
 */
import type { KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export function createIdentity(stock: { Identity: KernelFunc }): KernelFunc {
  const kernel = ({ inputs, backend }: WasmKernelArgs): TensorInfo => {
    const { x } = inputs;
    // Strings live outside the heap; the stock kernel handles them.
    if (x.dtype === 'string') return callKernel(stock.Identity, inputs, backend);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return kernel as unknown as KernelFunc;
}
