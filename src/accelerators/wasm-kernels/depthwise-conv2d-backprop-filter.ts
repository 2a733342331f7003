/**
 * DepthwiseConv2dNativeBackpropFilter for the wasm backend (the stock backend has none, so depthwiseConv2d and
 * separableConv2d could not train). Each filter element sums x * dy over batch and output positions; one pass over
 * the wasm heap in JavaScript, channels innermost so both reads run along memory, sums kept in double.
 */
import { backend_util, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { heapFloat32 } from './heap.js';
import { callKernel, type WasmKernelArgs } from './wasm-backend.js';

export interface DepthwiseAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: [number, number] | number;
}

export function createDepthwiseConv2dBackpropFilter(onCpu: KernelFunc): KernelFunc {
  const kernel = ({ inputs, backend, attrs }: WasmKernelArgs<DepthwiseAttrs & { filterShape: [number, number, number, number] }>): TensorInfo => {
    const { x, dy } = inputs;
    if (x.dtype !== 'float32' || dy.dtype !== 'float32') return callKernel(onCpu, inputs, backend, attrs);
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], attrs.filterShape, attrs.strides, attrs.dilations ?? 1, attrs.pad, attrs.dimRoundingMode, true);
    const { batchSize, inHeight, inWidth, inChannels, outHeight, outWidth, outChannels, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
    const { top, left } = info.padInfo;
    const sums = new Float64Array(filterHeight * filterWidth * outChannels);
    const multiplier = outChannels / inChannels;
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    const xs = heapFloat32(backend, x);
    const dys = heapFloat32(backend, dy);
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
              const xBase = ((n * inHeight + ih) * inWidth + iw) * inChannels;
              const sumBase = (kh * filterWidth + kw) * outChannels;
              for (let c = 0; c < inChannels; c++) {
                const xv = xs[xBase + c];
                const at = c * multiplier;
                for (let m = 0; m < multiplier; m++) sums[sumBase + at + m] += xv * dys[dyBase + at + m];
              }
            }
          }
        }
      }
    }
    heapFloat32(backend, out).set(sums);
    return out;
  };
  return kernel as unknown as KernelFunc;
}
