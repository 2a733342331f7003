import { acceleratorRefusal } from '../config/unsupported.js';
import { FabricUserError } from '../errors.js';
import type { Accelerator, ResolvedAccelerator, Tf } from './accelerator.js';
import { cpuAccelerator } from './cpu.js';
import { cudaAccelerator } from './cuda.js';
import { webgpuAccelerator } from './webgpu.js';

const registry = new Map<string, Accelerator>();

export function registerAccelerator(accelerator: Accelerator): void {
  if (registry.has(accelerator.name)) {
    throw new Error(`An accelerator named '${accelerator.name}' is already registered; pick another name.`);
  }
  registry.set(accelerator.name, accelerator);
}

export function registeredAccelerators(): Accelerator[] {
  return [...registry.values()];
}

registerAccelerator(cpuAccelerator);
registerAccelerator(cudaAccelerator);
registerAccelerator(webgpuAccelerator);

/** Activates the accelerator's backend on `tf`. `auto` picks cuda when tfjs-node-gpu loads, else cpu; `gpu` means cuda. */
export async function resolveAccelerator(name: string, tf: Tf, env: NodeJS.ProcessEnv): Promise<ResolvedAccelerator> {
  const refusal = acceleratorRefusal(name);
  if (refusal) throw new FabricUserError(refusal);
  if (name === 'auto') {
    const chosen = (await cudaAccelerator.isAvailable()) ? cudaAccelerator : cpuAccelerator;
    const resolved = await chosen.resolve(tf, env);
    return { ...resolved, reason: `auto: ${resolved.reason}` };
  }
  const accelerator = registry.get(name === 'gpu' ? 'cuda' : name);
  if (!accelerator) {
    throw new FabricUserError(`Unknown accelerator '${name}'. Choose one of: ${[...registry.keys(), 'auto'].join(', ')}.`);
  }
  return accelerator.resolve(tf, env);
}
