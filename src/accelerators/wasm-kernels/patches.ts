/**
 * im2col and its reverse for NHWC convolutions, as JavaScript loops over wasm heap memory. A patch row holds what
 * one output position sees, laid out [filterHeight, filterWidth, inChannels] like the filter's first three axes, so
 * a convolution's gradients become plain matrix products that XNNPACK runs:
 *   dFilter = patches^T x dy,   dPatches = dy x filter^T (then scattered back onto dx).
 */
import type { backend_util } from '@tensorflow/tfjs';

type ConvInfo = backend_util.Conv2DInfo;

/** Numbers in one patch row. */
export const patchSize = (info: ConvInfo) => info.filterHeight * info.filterWidth * info.inChannels;

/** Output positions (patch rows) per image. */
export const positionsPerImage = (info: ConvInfo) => info.outHeight * info.outWidth;

/** 32 MB of patches at most at once: a large batch of large images would otherwise need gigabytes. */
export const MAX_PATCH_FLOATS = 1 << 23;

/** Images per chunk so that one chunk's patch matrix stays under `maxFloats` (at least one image). */
export function imagesPerChunk(info: ConvInfo, maxFloats: number): number {
  return Math.max(1, Math.min(info.batchSize, Math.floor(maxFloats / (patchSize(info) * positionsPerImage(info)))));
}

/** Writes the patch rows of images [firstImage, endImage) of `x` into `patches` (zeros where a patch hangs over the padding). */
export function extractPatches(x: Float32Array, patches: Float32Array, info: ConvInfo, firstImage: number, endImage: number): void {
  const { inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  let dst = 0;
  for (let n = firstImage; n < endImage; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) {
            patches.fill(0, dst, dst + filterWidth * c);
            dst += filterWidth * c;
            continue;
          }
          const rowStart = (n * inHeight + ih) * inWidth;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - left;
            if (iw < 0 || iw >= inWidth) {
              patches.fill(0, dst, dst + c);
            } else {
              const src = (rowStart + iw) * c;
              for (let ci = 0; ci < c; ci++) patches[dst + ci] = x[src + ci];
            }
            dst += c;
          }
        }
      }
    }
  }
}

/** The reverse of extractPatches: adds every patch row back onto the input positions it came from (dx is not cleared). */
export function scatterPatches(patches: Float32Array, dx: Float32Array, info: ConvInfo, firstImage: number, endImage: number): void {
  const { inHeight, inWidth, inChannels: c, outHeight, outWidth, filterHeight, filterWidth, strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, left } = info.padInfo;
  let src = 0;
  for (let n = firstImage; n < endImage; n++) {
    for (let oh = 0; oh < outHeight; oh++) {
      for (let ow = 0; ow < outWidth; ow++) {
        for (let kh = 0; kh < filterHeight; kh++) {
          const ih = oh * strideHeight + kh * dilationHeight - top;
          if (ih < 0 || ih >= inHeight) {
            src += filterWidth * c;
            continue;
          }
          const rowStart = (n * inHeight + ih) * inWidth;
          for (let kw = 0; kw < filterWidth; kw++) {
            const iw = ow * strideWidth + kw * dilationWidth - left;
            if (iw >= 0 && iw < inWidth) {
              const dst = (rowStart + iw) * c;
              for (let ci = 0; ci < c; ci++) dx[dst + ci] += patches[src + ci];
            }
            src += c;
          }
        }
      }
    }
  }
}
