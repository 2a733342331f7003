import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { noGpuReason, nvidiaDeviceCount, visibleGpuIds } from '../../src/accelerators/nvidia-gpus.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A /dev-like folder with the files the NVIDIA driver makes for `gpus` GPUs (plus its control files). */
function devWith(gpus: number): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-dev-'));
  dirs.push(dir);
  for (const name of ['nvidiactl', 'nvidia-uvm', 'null', ...Array.from({ length: gpus }, (_, i) => `nvidia${i}`)]) fs.writeFileSync(path.join(dir, name), '');
  return dir;
}

describe('NVIDIA GPU discovery', () => {
  it('counts one device file per GPU, not the control files', () => {
    expect(nvidiaDeviceCount(devWith(4))).toBe(4);
    expect(nvidiaDeviceCount('/nonexistent-dev')).toBe(0);
  });

  it('narrows by CUDA_VISIBLE_DEVICES as CUDA does: up to the first invalid entry', () => {
    expect(visibleGpuIds({}, 2)).toEqual(['0', '1']);
    expect(visibleGpuIds({ CUDA_VISIBLE_DEVICES: '1' }, 2)).toEqual(['1']);
    expect(visibleGpuIds({ CUDA_VISIBLE_DEVICES: '0,5,1' }, 2)).toEqual(['0']);
    expect(visibleGpuIds({ CUDA_VISIBLE_DEVICES: '-1' }, 2)).toEqual([]);
    expect(visibleGpuIds({ CUDA_VISIBLE_DEVICES: '' }, 2)).toEqual([]);
    expect(visibleGpuIds({ CUDA_VISIBLE_DEVICES: 'GPU-8f2a' }, 2)).toEqual(['GPU-8f2a']);
  });

  it('says why no GPU is usable: no driver files, or all hidden', () => {
    expect(noGpuReason({}, devWith(0))).toMatch(/no NVIDIA GPU was found on this machine .*nvidia-smi/);
    expect(noGpuReason({ CUDA_VISIBLE_DEVICES: '-1' }, devWith(2))).toBe("CUDA_VISIBLE_DEVICES='-1' hides all 2 NVIDIA GPU(s) on this machine");
    expect(noGpuReason({}, devWith(1))).toBeUndefined();
  });
});
