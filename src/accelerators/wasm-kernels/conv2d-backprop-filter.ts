/**
 * Conv2DBackpropFilter for the wasm backend (the stock backend has none: conv2d and conv2dTranspose could not
 * train). dFilter = patches^T x dy: the input's patches are gathered in JavaScript (im2col), the product runs in
 * XNNPACK as dy^T x patches (the operand transposed is dy, the smaller one), a chunk of images at a time.
 * NCHW and other dtypes go to the pure-JS kernel.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { heapFloat32 } from './heap.js';
import { extractPatches, imagesPerChunk, MAX_PATCH_FLOATS, patchSize, positionsPerImage } from './patches.js';
import { callKernel, disposeIntermediate, disposeView, makeView, type WasmBackend, type WasmKernelArgs } from './wasm-backend.js';

export interface ConvStockKernels {
  BatchMatMul: KernelFunc;
  Transpose: KernelFunc;
}

interface BackpropFilterAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
}

const SWAP_LAST = { perm: [0, 2, 1] };
const PLAIN = { transposeA: false, transposeB: false };

/** `maxPatchFloats` bounds the patch matrix of one chunk of images (tests make it small to cover chunking). */
export function createConv2DBackpropFilter(stock: ConvStockKernels, onCpu: KernelFunc, maxPatchFloats = MAX_PATCH_FLOATS): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<BackpropFilterAttrs>): TensorInfo => {
    const { x, dy } = inputs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return callKernel(onCpu, inputs, backend, attrs);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const chunk = imagesPerChunk(info, maxPatchFloats);
    let total: TensorInfo | undefined;
    for (let first = 0; first < info.batchSize; first += chunk) {
      const end = Math.min(info.batchSize, first + chunk);
      const part = filterGradientOfImages(stock, backend, x, dy, info, first, end);
      if (!total) {
        total = part;
        continue;
      }
      const sum = heapFloat32(backend, total);
      const add = heapFloat32(backend, part);
      for (let i = 0; i < sum.length; i++) sum[i] += add[i];
      disposeIntermediate(backend, part);
    }
    return { ...total!, shape: attrs.filterShape };
  };
  return kernel as unknown as KernelFunc;
}

/** The filter gradient from images [first, end) alone, as a [1, patchSize, outChannels] tensor. */
function filterGradientOfImages(stock: ConvStockKernels, backend: WasmBackend, x: TensorInfo, dy: TensorInfo, info: backend_util.Conv2DInfo, first: number, end: number): TensorInfo {
  const rows = (end - first) * positionsPerImage(info);
  const patches = backend.makeOutput([1, rows, patchSize(info)], 'float32');
  extractPatches(heapFloat32(backend, x), heapFloat32(backend, patches), info, first, end);
  const dyRows = makeView(backend, dy, first * positionsPerImage(info) * info.outChannels, [1, rows, info.outChannels]);
  const dyT = callKernel(stock.Transpose, { x: dyRows }, backend, SWAP_LAST);
  disposeView(backend, dyRows);
  const gradientT = callKernel(stock.BatchMatMul, { a: dyT, b: patches }, backend, PLAIN);
  disposeIntermediate(backend, dyT);
  disposeIntermediate(backend, patches);
  const gradient = callKernel(stock.Transpose, { x: gradientT }, backend, SWAP_LAST);
  disposeIntermediate(backend, gradientT);
  return gradient;
}
