import { precisionRefusal } from '../config/unsupported.js';
import { FabricUserError } from '../errors.js';
import { FullPrecision } from './full.js';
import { TruePrecision } from './half-true.js';
import { MixedPrecision } from './half-mixed.js';
import { DynamicLossScaler } from './loss-scaler.js';
import type { Precision } from './precision.js';

const registry = new Map<string, { factory: () => Precision; description: string }>();

export function registerPrecision(name: string, factory: () => Precision, description: string): void {
  if (registry.has(name)) throw new Error(`A precision named '${name}' is already registered; pick another name.`);
  registry.set(name, { factory, description });
}

registerPrecision('32-true', () => new FullPrecision(), 'float32 everywhere (TensorFlow.js native).');
registerPrecision('bf16-mixed', () => new MixedPrecision('bf16'), 'float32 master weights; the forward pass sees bfloat16-rounded parameters.');
registerPrecision('16-mixed', () => new MixedPrecision('f16', new DynamicLossScaler()), 'float32 master weights; float16-rounded forward pass with dynamic loss scaling.');
registerPrecision('bf16-true', () => new TruePrecision('bf16'), 'parameters kept rounded to bfloat16 after every step.');
registerPrecision('16-true', () => new TruePrecision('f16'), 'parameters kept rounded to float16 after every step.');

export function createPrecision(name: string): Precision {
  const refusal = precisionRefusal(name);
  if (refusal) throw new FabricUserError(refusal);
  const entry = registry.get(name);
  if (!entry) {
    throw new FabricUserError(`--precision=${name} is not available in this version of tfjs-fabric. Available now: ${[...registry.keys()].join(', ')}.`);
  }
  return entry.factory();
}
