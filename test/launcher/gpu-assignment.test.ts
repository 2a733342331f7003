import { describe, expect, it } from 'vitest';
import { cudaDevicesForRanks } from '../../src/launcher/gpu-assignment.js';
import { userErrorOf } from '../helpers/user-error.js';

describe('cudaDevicesForRanks', () => {
  it('gives local rank k the k-th GPU of a count, and the k-th listed index of a device list', () => {
    expect(cudaDevicesForRanks(2, [0, 1], undefined, '--devices')).toEqual(['0', '1']);
    expect(cudaDevicesForRanks([0, 2], [0, 1], undefined, '--devices')).toEqual(['0', '2']);
    expect(cudaDevicesForRanks([3, 1], [1], undefined, '--devices')).toEqual(['1']);
  });

  it('counts indices within a CUDA_VISIBLE_DEVICES the user already set, as CUDA does', () => {
    expect(cudaDevicesForRanks([0, 1], [0, 1], '3,5', '--devices')).toEqual(['3', '5']);
    expect(cudaDevicesForRanks(1, [0], 'GPU-8f2a,GPU-11c0', '--devices')).toEqual(['GPU-8f2a']);
  });

  it('refuses an index outside the visible GPUs and a list that hides them all, in one paragraph', () => {
    expect(userErrorOf(() => cudaDevicesForRanks([0, 2], [0, 1], '3,5', '--devices'))).toBe(
      "GPU index 2 (from --devices) is not visible: CUDA_VISIBLE_DEVICES='3,5' lets this node use 2 GPU(s), indices 0 to 1. Device indices count the GPUs in CUDA_VISIBLE_DEVICES; pick indices in that range, or unset CUDA_VISIBLE_DEVICES.",
    );
    expect(userErrorOf(() => cudaDevicesForRanks(1, [0], '-1', '--devices'))).toContain('hides every GPU');
  });
});
