/**
 * MaxPoolGrad for the wasm backend. The stock wasm kernel (tfjs 4.22) returns wrong gradients: for a 2x2, stride-2
 * pool its dx differs from the pure-JS backend and from TensorFlow itself, so every CNN with maxPooling2d trained on
 * wrong gradients without an error. Here each window's dy goes to the first position holding its maximum, as in
 * TensorFlow; one pass over the wasm heap in JavaScript, channels innermost.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { heapFloat32 } from './heap.js';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

interface MaxPoolGradAttrs {
  filterSize: [number, number] | number;
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

export function createMaxPoolGrad(onCpu: KernelFunc): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<MaxPoolGradAttrs>): TensorInfo => {
    const { dy, input } = inputs;
    if (dy.dtype !== 'float32' || input.dtype !== 'float32') return callKernel(onCpu, inputs, backend, attrs);
    const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], attrs.filterSize, attrs.strides, 1, attrs.pad, attrs.dimRoundingMode);
    const { batchSize, inHeight, inWidth, inChannels: channels, outHeight, outWidth, strideHeight, strideWidth, effectiveFilterHeight, effectiveFilterWidth } = info;
    const { top, left } = info.padInfo;
    const out = backend.makeOutput(input.shape, 'float32');
    const dx = heapFloat32(backend, out);
    dx.fill(0);
    const xs = heapFloat32(backend, input);
    const dys = heapFloat32(backend, dy);
    const best = new Float32Array(channels);
    const where = new Int32Array(channels);
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        const hStart = Math.max(0, oh * strideHeight - top);
        const hEnd = Math.min(inHeight, oh * strideHeight - top + effectiveFilterHeight);
        for (let ow = 0; ow < outWidth; ow++) {
          const wStart = Math.max(0, ow * strideWidth - left);
          const wEnd = Math.min(inWidth, ow * strideWidth - left + effectiveFilterWidth);
          if (hStart >= hEnd || wStart >= wEnd) continue;
          // Start from the window's first position, then keep strictly greater values: ties go to the first, as in TensorFlow.
          const first = ((n * inHeight + hStart) * inWidth + wStart) * channels;
          for (let c = 0; c < channels; c++) {
            best[c] = xs[first + c];
            where[c] = first + c;
          }
          for (let ih = hStart; ih < hEnd; ih++) {
            for (let iw = ih === hStart ? wStart + 1 : wStart; iw < wEnd; iw++) {
              const base = ((n * inHeight + ih) * inWidth + iw) * channels;
              for (let c = 0; c < channels; c++) {
                const v = xs[base + c];
                if (v > best[c]) {
                  best[c] = v;
                  where[c] = base + c;
                }
              }
            }
          }
          const dyBase = ((n * outHeight + oh) * outWidth + ow) * channels;
          for (let c = 0; c < channels; c++) dx[where[c]] += dys[dyBase + c];
        }
      }
    }
    return out;
  };
  return kernel as unknown as KernelFunc;
}
