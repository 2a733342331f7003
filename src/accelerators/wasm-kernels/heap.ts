/**
 * Typed views of tensors on the wasm heap, for the kernels that loop over memory in JavaScript. A view is valid only
 * until the heap grows (any allocation may grow it), so allocate every output first and take views after.
 */
import type { TensorInfo } from '@tensorflow/tfjs';
import type { WasmBackend } from './wasm-backend.js';

interface HeapBackend {
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** A float32 tensor's memory, shared with the heap (writes change the tensor). */
export function heapFloat32(backend: WasmBackend, tensor: TensorInfo): Float32Array {
  return (backend as unknown as HeapBackend).typedArrayFromHeap(tensor) as Float32Array;
}

/** An int32 tensor's memory, shared with the heap. */
export function heapInt32(backend: WasmBackend, tensor: TensorInfo): Int32Array {
  return (backend as unknown as HeapBackend).typedArrayFromHeap(tensor) as Int32Array;
}
