import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { autoDeviceCount } from '../../src/launcher/auto-devices.js';

describe('autoDeviceCount', () => {
  it('starts one rank per available core on the cpu accelerator', () => {
    expect(autoDeviceCount('cpu', 8)).toBe(8);
    expect(autoDeviceCount('cpu')).toBe(os.availableParallelism());
  });

  it('treats accelerator auto as cpu when the GPU package is not installed, and as one GPU rank when it is', () => {
    expect(autoDeviceCount('auto', 4, () => false)).toBe(4);
    expect(autoDeviceCount('auto', 4, () => true)).toBe(1);
  });

  it('starts one rank on cuda (GPUs cannot be counted without loading tfjs) and never zero', () => {
    expect(autoDeviceCount('cuda', 16)).toBe(1);
    expect(autoDeviceCount('cpu', 0)).toBe(1);
  });
});
