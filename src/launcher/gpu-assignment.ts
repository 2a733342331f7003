/**
 * Which GPU each local rank of a cuda run sees. Each rank gets CUDA_VISIBLE_DEVICES with exactly one entry, so
 * inside the rank it is always GPU 0. Device indices (--devices 0,2) count the GPUs this launcher may see: with
 * CUDA_VISIBLE_DEVICES=3,5 already set, --devices 1 means GPU 5, as in CUDA itself.
 */
import { FabricUserError } from '../errors.js';

/** The CUDA_VISIBLE_DEVICES value of each local rank, in local-rank order. */
export function cudaDevicesForRanks(devices: number | number[] | 'auto', localRanks: number[], inherited: string | undefined, origin: string): string[] {
  const visible = inherited === undefined ? undefined : inherited.split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return localRanks.map((local) => {
    const index = Array.isArray(devices) ? devices[local] : local;
    if (index === undefined) {
      throw new FabricUserError(`Local rank ${local} has no GPU: the device list from ${origin} names ${(devices as number[]).length}. List one GPU per rank on this node.`);
    }
    if (visible === undefined) return String(index);
    if (visible.length === 0 || visible[0] === '-1') {
      throw new FabricUserError(`CUDA_VISIBLE_DEVICES='${inherited}' hides every GPU from this node, so --accelerator=cuda has nothing to run on. Unset it or list the GPUs to use.`);
    }
    if (index >= visible.length) {
      throw new FabricUserError(
        `GPU index ${index} (from ${origin}) is not visible: CUDA_VISIBLE_DEVICES='${inherited}' lets this node use ${visible.length} GPU(s), indices 0 to ${visible.length - 1}. ` +
          'Device indices count the GPUs in CUDA_VISIBLE_DEVICES; pick indices in that range, or unset CUDA_VISIBLE_DEVICES.',
      );
    }
    return visible[index]!;
  });
}
