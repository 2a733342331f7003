/**
 * Cast for the wasm backend: a cast to the dtype a tensor already has shares its buffer instead of copying it
 * (tfjs's gradients cast float32 to float32 on every multiply). Real conversions go to the stock kernel.
 */
import type { DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export function createCast(stock: { Cast: KernelFunc }): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<{ dtype: DataType }>): TensorInfo => {
    const { x } = inputs;
    if (x.dtype !== attrs.dtype || x.dtype === 'string') return callKernel(stock.Cast, inputs, backend, attrs);
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  return kernel as unknown as KernelFunc;
}
