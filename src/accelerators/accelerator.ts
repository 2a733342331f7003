import type * as tfNamespace from '@tensorflow/tfjs';

export type Tf = typeof tfNamespace;

/** What an accelerator resolved to: the tfjs backend that runs the math and why it was chosen. */
export interface ResolvedAccelerator {
  /** The accelerator name the user asked for after aliasing: cpu, cuda, webgpu. */
  accelerator: string;
  /** The tfjs backend name now active: tensorflow, wasm, cpu, webgpu. */
  backend: string;
  /** One line saying why this backend was picked (shown by `fabric env` and in run.json). */
  reason: string;
}

export interface Accelerator {
  readonly name: string;
  readonly description: string;
  /** Loads and activates the backend on the given tfjs instance. */
  resolve(tf: Tf, env: NodeJS.ProcessEnv): Promise<ResolvedAccelerator>;
  /** Whether the accelerator can run here, without activating it. */
  isAvailable(): Promise<boolean>;
}

/** Tries to import an optional package; returns undefined when it is not installed or fails to load. */
export async function importOptional(specifier: string): Promise<unknown | undefined> {
  try {
    return await import(specifier);
  } catch {
    return undefined;
  }
}

/** Activates a backend and checks it really became active (setBackend returns false on failure). */
export async function activateBackend(tf: Tf, backend: string): Promise<boolean> {
  try {
    if (!(await tf.setBackend(backend))) return false;
    await tf.ready();
    return tf.getBackend() === backend;
  } catch {
    return false;
  }
}
