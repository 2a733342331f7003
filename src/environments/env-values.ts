/**
 * Reading a cluster's environment variables with errors that say which launcher sets them and what to do.
 * Shared by every environment file; nothing here knows a particular cluster.
 */
import { FabricUserError } from '../errors.js';
import type { EnvironmentContext } from './environment.js';

/** Who sets a group of variables, for error messages. */
export interface VariableOrigin {
  /** The program that sets them, e.g. 'srun'. */
  readonly launcher: string;
  /** Full sentence(s): what the user can do when a value is missing or wrong. */
  readonly remedy: string;
}

/** A number read from the environment, remembered with its variable name for messages. */
export interface Reading {
  readonly name: string;
  readonly value: number;
}

/** The trimmed value, or undefined when unset or empty (launchers sometimes export empty variables). */
export function readText(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined) return undefined;
  const trimmed = raw.trim();
  return trimmed === '' ? undefined : trimmed;
}

export function hasAll(env: NodeJS.ProcessEnv, names: readonly string[]): boolean {
  return names.every((name) => readText(env, name) !== undefined);
}

/** A whole number >= 0, or undefined when unset; anything else is an error naming the variable. */
export function readInt(env: NodeJS.ProcessEnv, name: string, origin: VariableOrigin): number | undefined {
  const raw = readText(env, name);
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw)) {
    throw new FabricUserError(
      `${name}='${raw}' is not a whole number, so Fabric cannot tell where this process sits in the run. ${origin.launcher} sets it for each process it starts. ${origin.remedy}`,
    );
  }
  return Number(raw);
}

/** The first of `names` that is set, as a Reading. */
export function firstInt(env: NodeJS.ProcessEnv, names: readonly string[], origin: VariableOrigin): Reading | undefined {
  for (const name of names) {
    const value = readInt(env, name, origin);
    if (value !== undefined) return { name, value };
  }
  return undefined;
}

/** Like firstInt, but a missing value is an error listing every name tried. */
export function requireInt(env: NodeJS.ProcessEnv, names: readonly string[], origin: VariableOrigin): Reading {
  const reading = firstInt(env, names, origin);
  if (reading) return reading;
  const listed = names.length === 1 ? `${names[0]} is not` : `None of ${names.join(', ')} is`;
  throw new FabricUserError(
    `${listed} set, so Fabric cannot tell where this process sits in the run. ${origin.launcher} sets it for each process it starts. ${origin.remedy}`,
  );
}

/** `small` must be below `large` (ranks count from 0). */
export function requireBelow(small: Reading, large: Reading, origin: VariableOrigin): void {
  if (small.value < large.value) return;
  throw new FabricUserError(
    `${small.name}=${small.value} is not below ${large.name}=${large.value}; ranks count from 0, so a run of ${large.value} has ranks 0 to ${large.value - 1}. These values come from ${origin.launcher}. ${origin.remedy}`,
  );
}

export function requirePositive(reading: Reading, origin: VariableOrigin): void {
  if (reading.value >= 1) return;
  throw new FabricUserError(`${reading.name}=0 means a run without processes. The value comes from ${origin.launcher}. ${origin.remedy}`);
}

/** A TCP port 1-65535 from a variable, or undefined when unset. */
export function readPort(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = readText(env, name);
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port < 1 || port > 65535) {
    throw new FabricUserError(`${name}='${raw}' is not a TCP port (a whole number from 1 to 65535). Set it to a free port, or unset it.`);
  }
  return port;
}

/**
 * A port every process of one job computes alike: base + (job id mod span). Numeric ids use their value
 * (neighbouring jobs get neighbouring ports); other ids are hashed with 32-bit FNV-1a.
 */
export function portFromJobId(jobId: string, base: number, span: number): number {
  if (/^\d+$/.test(jobId)) return base + Number(BigInt(jobId) % BigInt(span));
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return base + (hash % span);
}

/** Main address: --main-address > MASTER_ADDR > what the cluster implies (undefined: the caller decides). */
export function mainAddressFrom(context: EnvironmentContext, env: NodeJS.ProcessEnv, derive: () => string | undefined): string | undefined {
  return context.mainAddress ?? readText(env, 'MASTER_ADDR') ?? derive();
}

/** Main port: --main-port > MASTER_PORT > what the cluster implies. */
export function mainPortFrom(context: EnvironmentContext, env: NodeJS.ProcessEnv, derive: () => number | undefined): number | undefined {
  return context.mainPort ?? readPort(env, 'MASTER_PORT') ?? derive();
}
