import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { autoDeviceCount, describeAutoDevices } from '../../src/launcher/auto-devices.js';

describe('autoDeviceCount', () => {
  it('starts one single-threaded rank per available core on wasm and the pure-JS backend', () => {
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' }, 8)).toBe(8);
    expect(autoDeviceCount({ engine: 'js', accelerator: 'cpu' }, 3)).toBe(3);
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' })).toBe(os.availableParallelism());
  });

  it('starts one single-threaded rank per core on the native CPU engine too (measured faster than one rank with every core)', () => {
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cpu' }, 16)).toBe(16);
    expect(describeAutoDevices({ engine: 'native', accelerator: 'cpu' }, 16)).toContain('16 rank(s) with 1 TensorFlow thread each, one per core');
  });

  it('starts one rank per visible GPU on cuda, and never zero ranks', () => {
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cuda' }, 16, () => 4)).toBe(4);
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cuda' }, 16, () => 0)).toBe(1);
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' }, 0)).toBe(1);
  });
});
