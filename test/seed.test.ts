import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createRng, getGlobalSeed, getRngState, resetSeeding, seedEverything, setRngState } from '../src/seed.js';

const originalRandom = Math.random;
const savedSeedEnv = process.env.FABRIC_GLOBAL_SEED;

afterEach(() => {
  resetSeeding();
  if (savedSeedEnv === undefined) delete process.env.FABRIC_GLOBAL_SEED;
  else process.env.FABRIC_GLOBAL_SEED = savedSeedEnv;
});

const draws = (n: number, random: () => number = Math.random) => Array.from({ length: n }, () => random());

describe('seedEverything', () => {
  it('makes Math.random repeat for the same seed and differ for another', () => {
    expect(seedEverything(5)).toBe(5);
    const first = draws(5);
    seedEverything(5);
    expect(draws(5)).toEqual(first);
    seedEverything(6);
    expect(draws(5)).not.toEqual(first);
    first.forEach((x) => expect(x >= 0 && x < 1).toBe(true));
  });

  it('records the seed for data loaders and child processes', () => {
    seedEverything(17);
    expect(getGlobalSeed()).toBe(17);
    expect(process.env.FABRIC_GLOBAL_SEED).toBe('17');
  });

  it('rejects seeds that are not integers', () => {
    expect(() => seedEverything(1.5)).toThrow(TypeError);
    expect(() => seedEverything(Number.NaN)).toThrow(/integer seed/);
    expect(getGlobalSeed()).toBeUndefined();
  });

  it('makes tfjs initializers and unseeded random ops deterministic', () => {
    const build = () => {
      const layer = tf.layers.dense({ units: 3, inputShape: [4], kernelInitializer: 'glorotUniform' });
      const model = tf.sequential({ layers: [layer] });
      const kernel = Array.from(model.getWeights()[0].dataSync());
      const noise = tf.tidy(() => Array.from(tf.randomNormal([6]).dataSync()));
      model.dispose();
      return { kernel, noise };
    };
    seedEverything(123);
    const a = build();
    seedEverything(123);
    const b = build();
    seedEverything(124);
    const c = build();
    expect(b).toEqual(a);
    expect(c.kernel).not.toEqual(a.kernel);
    expect(c.noise).not.toEqual(a.noise);
  });
});

describe('RNG state', () => {
  it('is undefined before seeding', () => {
    expect(getRngState()).toBeUndefined();
  });

  it('restores the stream exactly where it was saved, through JSON', () => {
    seedEverything(42);
    draws(3);
    const saved = JSON.parse(JSON.stringify(getRngState()));
    expect(saved.seed).toBe(42);
    const expected = draws(4);
    seedEverything(7); // something else happens in between
    draws(10);
    setRngState(saved);
    expect(getGlobalSeed()).toBe(42);
    expect(draws(4)).toEqual(expected);
  });

  it('resetSeeding gives back the original Math.random', () => {
    seedEverything(1);
    expect(Math.random).not.toBe(originalRandom);
    resetSeeding();
    expect(Math.random).toBe(originalRandom);
    expect(getGlobalSeed()).toBeUndefined();
    expect(getRngState()).toBeUndefined();
  });
});

describe('createRng', () => {
  it('is repeatable per seed and does not disturb the global stream', () => {
    seedEverything(3);
    const expectedGlobal = draws(3);
    seedEverything(3);
    const rng = createRng('data:0');
    const local = draws(5, rng);
    expect(draws(3)).toEqual(expectedGlobal);
    expect(draws(5, createRng('data:0'))).toEqual(local);
    expect(draws(5, createRng('data:1'))).not.toEqual(local);
    expect(draws(5, createRng(9))).toEqual(draws(5, createRng('9')));
  });
});
