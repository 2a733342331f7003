import seedrandom from 'seedrandom';

/**
 * Global seeding. tfjs draws the seed of every unseeded random op (initializers, dropout, randomNormal)
 * from Math.random, so replacing Math.random with a seeded generator makes whole runs repeatable.
 * The generator's state is saved in checkpoints so a resumed run draws the same numbers.
 */
/** The alea generator's internal state (kept as our own type so consumers need no seedrandom typings). */
export interface AleaState {
  c: number;
  s0: number;
  s1: number;
  s2: number;
}
export interface RngState {
  seed: number;
  alea: AleaState;
}
type StatefulPrng = seedrandom.PRNG & { state(): AleaState };

const originalRandom = Math.random;
let prng: StatefulPrng | undefined;
let globalSeed: number | undefined;

export function seedEverything(seed: number): number {
  if (!Number.isInteger(seed)) throw new TypeError(`seedEverything expects an integer seed, got ${seed}.`);
  globalSeed = seed;
  prng = seedrandom.alea(String(seed), { state: true }) as StatefulPrng;
  installPrng(prng);
  process.env.FABRIC_GLOBAL_SEED = String(seed);
  return seed;
}

export function getGlobalSeed(): number | undefined {
  return globalSeed;
}

/** The generator state as JSON, or undefined when nothing was seeded (Math.random is then the original). */
export function getRngState(): RngState | undefined {
  if (!prng || globalSeed === undefined) return undefined;
  return { seed: globalSeed, alea: prng.state() };
}

export function setRngState(state: RngState): void {
  globalSeed = state.seed;
  prng = seedrandom.alea('', { state: state.alea }) as StatefulPrng;
  installPrng(prng);
}

/** Undo seeding (tests). */
export function resetSeeding(): void {
  prng = undefined;
  globalSeed = undefined;
  Math.random = originalRandom;
}

/** A separate seeded generator (data shuffling) that does not disturb the global stream. */
export function createRng(seed: number | string): () => number {
  return seedrandom.alea(String(seed));
}

function installPrng(generator: StatefulPrng): void {
  Math.random = () => generator();
}
