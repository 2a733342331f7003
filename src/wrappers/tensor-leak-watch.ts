import * as tf from '@tensorflow/tfjs';

/**
 * Growth on this many optimizer steps in a row means a leak. Legitimate growth stops within the first steps
 * (optimizer slots, lazily built layers, caches); 20 steps is past any warm-up yet long before a leak of a
 * few tensors per step fills the wasm heap (thousands of steps).
 */
export const LEAK_STEPS = 20;

/**
 * Watches tf.memory().numTensors after each optimizer step and warns once, in one line, when it grew on every
 * one of LEAK_STEPS steps in a row: a tensor leak otherwise shows only as the wasm heap's `Aborted()`, far later.
 * Costs one counter read per step (numTensors is the engine's bookkeeping, no backend call).
 */
export class TensorLeakWatch {
  private last?: number;
  private growingSince = 0;
  private growingSteps = 0;
  private warned = false;

  constructor(
    private readonly countTensors: () => number = () => tf.memory().numTensors,
    private readonly warn: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  ) {}

  afterStep(): void {
    if (this.warned) return;
    const now = this.countTensors();
    if (this.last !== undefined && now > this.last) {
      if (this.growingSteps === 0) this.growingSince = this.last;
      this.growingSteps++;
    } else {
      this.growingSteps = 0;
    }
    this.last = now;
    if (this.growingSteps < LEAK_STEPS) return;
    this.warned = true;
    const perStep = (now - this.growingSince) / this.growingSteps;
    const growth = Number.isInteger(perStep) ? String(perStep) : perStep.toFixed(1);
    this.warn(
      `tfjs-fabric: warning: tf.memory().numTensors grew on each of the last ${this.growingSteps} optimizer steps ` +
        `(+${growth} tensor(s) per step, ${now} now): tensors leak and will fill the memory (on wasm: RuntimeError: Aborted()); ` +
        'wrap per-step work in tf.tidy(() => ...) and dispose() the tensors you keep.',
    );
  }
}
