/**
 * The few internals of tfjs-backend-wasm 4.x our kernels use, typed in one place: tensor memory on the wasm heap,
 * outputs, and views (tensor ids that point into another tensor's memory without copying it).
 */
import type { DataType, KernelFunc, TensorInfo } from '@tensorflow/tfjs';

interface WasmTensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
  refCount: number;
}

export interface WasmBackend {
  dataIdMap: { get(dataId: object): WasmTensorData; delete(dataId: object): boolean };
  makeOutput(shape: number[], dtype: DataType, memoryOffset?: number): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
  incRef(dataId: object): void;
  wasm: {
    cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
    tfjs: { disposeData(id: number): void };
  };
}

/** What a kernel function receives, with the backend typed as wasm. */
export interface WasmKernelArgs<A = Record<string, unknown>> {
  inputs: Record<string, TensorInfo>;
  backend: WasmBackend;
  attrs: A;
}

export type WasmKernelFunc<A = Record<string, unknown>> = (args: WasmKernelArgs<A>) => TensorInfo;

/** Calls a stock kernel function with our typed arguments. */
export function callKernel(kernel: KernelFunc, inputs: Record<string, TensorInfo>, backend: WasmBackend, attrs: object = {}): TensorInfo {
  return kernel({ inputs, backend, attrs } as unknown as Parameters<KernelFunc>[0]) as TensorInfo;
}

/** The wasm tensor id of a tensor's data (what the C++ functions take). */
export function wasmId(backend: WasmBackend, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId).id;
}

/** A tensor over `shape` elements of `base`'s memory starting at element `offset`; no copy. Free it with disposeView. */
export function makeView(backend: WasmBackend, base: TensorInfo, offset: number, shape: number[]): TensorInfo {
  const { memoryOffset } = backend.dataIdMap.get(base.dataId);
  return backend.makeOutput(shape, base.dtype, memoryOffset + offset * 4);
}

/** Forgets a view without freeing the memory it points into (backend.disposeData would free it: it is not ours). */
export function disposeView(backend: WasmBackend, view: TensorInfo): void {
  const data = backend.dataIdMap.get(view.dataId);
  // The C++ side drops the id and whatever it cached for it (XNNPACK operators keyed by weight ids).
  backend.wasm.tfjs.disposeData(data.id);
  backend.dataIdMap.delete(view.dataId);
}

/** Frees an intermediate tensor a kernel made for itself. */
export function disposeIntermediate(backend: WasmBackend, tensor: TensorInfo): void {
  backend.disposeData(tensor.dataId);
}
