import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { autoDeviceCount, describeAutoDevices } from '../../src/launcher/auto-devices.js';

describe('autoDeviceCount', () => {
  it('starts one single-threaded rank per available core on wasm and the pure-JS backend', () => {
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' }, 8)).toBe(8);
    expect(autoDeviceCount({ engine: 'js', accelerator: 'cpu' }, 3)).toBe(3);
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' })).toBe(os.availableParallelism());
  });

  it('starts one rank with every core on the native CPU engine (measured faster than one rank per core)', () => {
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cpu' }, 16)).toBe(1);
    expect(describeAutoDevices({ engine: 'native', accelerator: 'cpu' }, 1, 16)).toContain('1 rank with 16 TensorFlow threads');
  });

  it('starts one rank per visible GPU on cuda, and never zero ranks', () => {
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cuda' }, 16, () => 4)).toBe(4);
    expect(autoDeviceCount({ engine: 'native', accelerator: 'cuda' }, 16, () => 0)).toBe(1);
    expect(autoDeviceCount({ engine: 'wasm', accelerator: 'cpu' }, 0)).toBe(1);
  });
});
