/**
 * Conv2DBackpropInput for the wasm backend: dx = the patches of dy x filter^T, scattered back onto the input
 * positions they came from (col2im). The product runs in XNNPACK; the stock kernel is a scalar C++ loop.
 * NCHW and other dtypes go to the pure-JS kernel.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { ConvStockKernels } from './conv2d-backprop-filter.js';
import { heapFloat32 } from './heap.js';
import { imagesPerChunk, MAX_PATCH_FLOATS, patchSize, positionsPerImage, scatterPatches } from './patches.js';
import { callKernel, disposeIntermediate, disposeView, makeView, type WasmKernelArgs } from './wasm-backend.js';

interface BackpropInputAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
}

/** `maxPatchFloats` bounds the patch matrix of one chunk of images (tests make it small to cover chunking). */
export function createConv2DBackpropInput(stock: ConvStockKernels, onCpu: KernelFunc, maxPatchFloats = MAX_PATCH_FLOATS): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<BackpropInputAttrs>): TensorInfo => {
    const { dy, filter } = inputs;
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || attrs.dataFormat === 'NCHW') return callKernel(onCpu, inputs, backend, attrs);
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
    const perImage = positionsPerImage(info);
    const filterRows = makeView(backend, filter, 0, [1, patchSize(info), info.outChannels]);
    const filterT = callKernel(stock.Transpose, { x: filterRows }, backend, { perm: [0, 2, 1] });
    disposeView(backend, filterRows);
    const dx = backend.makeOutput(attrs.inputShape, 'float32');
    heapFloat32(backend, dx).fill(0);
    const chunk = imagesPerChunk(info, maxPatchFloats);
    for (let first = 0; first < info.batchSize; first += chunk) {
      const end = Math.min(info.batchSize, first + chunk);
      const dyRows = makeView(backend, dy, first * perImage * info.outChannels, [1, (end - first) * perImage, info.outChannels]);
      const patches = callKernel(stock.BatchMatMul, { a: dyRows, b: filterT }, backend, { transposeA: false, transposeB: false });
      disposeView(backend, dyRows);
      scatterPatches(heapFloat32(backend, patches), heapFloat32(backend, dx), info, first, end);
      disposeIntermediate(backend, patches);
    }
    disposeIntermediate(backend, filterT);
    return dx;
  };
  return kernel as unknown as KernelFunc;
}
