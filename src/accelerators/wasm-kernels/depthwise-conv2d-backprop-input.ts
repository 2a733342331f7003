/**
 * DepthwiseConv2dNativeBackpropInput for the wasm backend (the stock backend has none). Every output position adds
 * dy x filter back onto the input positions its window covered; one pass over the wasm heap in JavaScript,
 * channels innermost.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { DepthwiseAttrs } from './depthwise-conv2d-backprop-filter.js';
import { heapFloat32 } from './heap.js';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export function createDepthwiseConv2dBackpropInput(onCpu: KernelFunc): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<DepthwiseAttrs & { inputShape: [number, number, number, number] }>): TensorInfo => {
    const { dy, filter } = inputs;
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32') return callKernel(onCpu, inputs, backend, attrs);
    const info = backend_util.computeConv2DInfo(attrs.inputShape, filter.shape as [number, number, number, number], attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const { top, left } = info.padInfo;
    const multiplier = outChannels / inChannels;
    const out = backend.makeOutput(attrs.inputShape, 'float32');
    const dx = heapFloat32(backend, out);
    dx.fill(0);
    const dys = heapFloat32(backend, dy);
    const weights = heapFloat32(backend, filter);
    for (let n = 0; n < batchSize; n++) {
      for (let oh = 0; oh < outHeight; oh++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) continue;
          for (let ow = 0; ow < outWidth; ow++) {
            const dyBase = ((n * outHeight + oh) * outWidth + ow) * outChannels;
            for (let kw = 0; kw < filterWidth; kw++) {
              const iw = ow * strideWidth + kw * dilationWidth - left;
              if (iw < 0 || iw >= inWidth) continue;
              const dxBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              const weightBase = (kh * filterWidth + kw) * outChannels;
              for (let c = 0; c < inChannels; c++) {
                const at = c * multiplier;
                let sum = 0;
                for (let m = 0; m < multiplier; m++) sum += dys[dyBase + at + m] * weights[weightBase + at + m];
                dx[dxBase + c] += sum;
              }
            }
          }
        }
      }
    }
    return out;
  };
  return kernel as unknown as KernelFunc;
}
