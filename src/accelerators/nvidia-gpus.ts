/**
 * NVIDIA GPUs this process may use, counted without loading TensorFlow or CUDA: the driver makes one
 * /dev/nvidia<N> per GPU (a container sees only the GPUs given to it), and CUDA_VISIBLE_DEVICES narrows them.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** GPU device files under `devDir` (/dev on a real machine). */
export function nvidiaDeviceCount(devDir = '/dev'): number {
  try {
    return fs.readdirSync(devDir).filter((name) => /^nvidia\d+$/.test(name)).length;
  } catch {
    return 0;
  }
}

/**
 * The GPU ids CUDA lets this process see, in CUDA's order: CUDA_VISIBLE_DEVICES when set (CUDA stops at the first
 * invalid entry, so '-1' or '' hides every GPU), else 0..count-1. Entries may be UUIDs (GPU-...), kept as text.
 */
export function visibleGpuIds(env: NodeJS.ProcessEnv, count: number = nvidiaDeviceCount()): string[] {
  const all = Array.from({ length: count }, (_, i) => String(i));
  const listed = env.CUDA_VISIBLE_DEVICES;
  if (listed === undefined) return all;
  const ids: string[] = [];
  for (const raw of listed.split(',')) {
    const id = raw.trim();
    const isIndex = /^\d+$/.test(id);
    if (id === '' || (!isIndex && !/^(GPU|MIG)-/i.test(id)) || (isIndex && Number(id) >= count)) break;
    ids.push(id);
  }
  return ids;
}

/** Why no GPU is usable, in one sentence, or undefined when there is one. */
export function noGpuReason(env: NodeJS.ProcessEnv, devDir = '/dev'): string | undefined {
  const count = nvidiaDeviceCount(devDir);
  if (count === 0) return `no NVIDIA GPU was found on this machine (no ${path.join(devDir, 'nvidia<N>')} device files; is the NVIDIA driver installed and loaded? \`nvidia-smi\` should list the GPUs)`;
  if (visibleGpuIds(env, count).length === 0) return `CUDA_VISIBLE_DEVICES='${env.CUDA_VISIBLE_DEVICES}' hides all ${count} NVIDIA GPU(s) on this machine`;
  return undefined;
}
