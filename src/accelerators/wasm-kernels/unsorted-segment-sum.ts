/**
 * UnsortedSegmentSum for the wasm backend: the gradient of gather and of layers.embedding (the stock backend has
 * none). One pass over the rows of x, each added onto its segment's row; ids outside [0, numSegments) are dropped
 * as in TensorFlow. The pure-JS kernel instead scans all of x once per segment (vocabulary size times the work).
 */
import { util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { heapFloat32, heapInt32 } from './heap.js';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export function createUnsortedSegmentSum(onCpu: KernelFunc): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<{ numSegments: number }>): TensorInfo => {
    const { x, segmentIds } = inputs;
    if (x.dtype !== 'float32' || segmentIds.dtype !== 'int32') return callKernel(onCpu, inputs, backend, attrs);
    const { numSegments } = attrs;
    const rows = util.sizeFromShape(segmentIds.shape);
    const rowSize = rows === 0 ? 0 : util.sizeFromShape(x.shape) / rows;
    const out = backend.makeOutput([numSegments, ...x.shape.slice(segmentIds.shape.length)], 'float32');
    const sums = heapFloat32(backend, out);
    sums.fill(0);
    const values = heapFloat32(backend, x);
    const ids = heapInt32(backend, segmentIds);
    for (let row = 0; row < rows; row++) {
      const id = ids[row];
      if (id < 0 || id >= numSegments) continue;
      const src = row * rowSize;
      const dst = id * rowSize;
      for (let i = 0; i < rowSize; i++) sums[dst + i] += values[src + i];
    }
    return out;
  };
  return kernel as unknown as KernelFunc;
}
