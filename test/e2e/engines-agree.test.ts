/**
 * The same training on wasm and on native tfjs-node ends in the same place (within float32 rounding: the engines'
 * kernels sum in different orders), and a checkpoint written on one engine resumes on the other. Runs in project
 * `native` only, since it needs both engines.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, removeTempDirs, runModel } from '../helpers/cli.js';
import { ENGINE_UNDER_TEST } from '../helpers/engine.js';

afterAll(removeTempDirs);

interface TinyTrainOutput {
  globalStep: number;
  losses: { step: number; loss: number }[];
  weights: string[];
}

async function train(engine: 'wasm' | 'tensorflow', flags: string[], scriptArgs: string[]): Promise<TinyTrainOutput> {
  const cwd = makeTempDir();
  const out = path.join(cwd, 'out.json');
  const result = await runModel({ cwd, rootDir: cwd, flags: ['--seed=5', ...flags], script: fixture('tiny-train.ts'), scriptArgs: [...scriptArgs, '--out', out], env: { FABRIC_TFJS_BACKEND: engine }, timeoutMs: 90_000 });
  expect(result.code, result.output).toBe(0);
  expect(result.output).toContain(`[rank 0] started on backend '${engine}'`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as TinyTrainOutput;
}

function floats(hex: string): Float32Array {
  const bytes = Buffer.from(hex, 'hex');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Every loss and weight within `tolerance` of the other run's, relative to the value (absolute near zero). */
function expectClose(a: TinyTrainOutput, b: TinyTrainOutput, tolerance: number): void {
  expect(a.globalStep).toBe(b.globalStep);
  expect(a.losses.map((l) => l.step)).toEqual(b.losses.map((l) => l.step));
  a.losses.forEach((l, i) => expect(Math.abs(l.loss - b.losses[i]!.loss)).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(l.loss))));
  expect(a.weights.length).toBe(b.weights.length);
  a.weights.forEach((hex, i) => {
    const [x, y] = [floats(hex), floats(b.weights[i]!)];
    expect(x.length).toBe(y.length);
    x.forEach((v, j) => expect(Math.abs(v - y[j]!), `weight ${i}[${j}]`).toBeLessThanOrEqual(tolerance * Math.max(1, Math.abs(v))));
  });
}

describe.runIf(ENGINE_UNDER_TEST === 'tensorflow')('wasm and native tfjs-node', () => {
  it('train one rank with Adam to the same weights, and a wasm checkpoint resumes on native', async () => {
    const ckpt = path.join(makeTempDir(), 'step5');
    const wasm = await train('wasm', [], ['--steps', '10', '--save-at', '5', '--ckpt', ckpt]);
    const native = await train('tensorflow', [], ['--steps', '10']);
    expectClose(native, wasm, 1e-4);
    const resumed = await train('tensorflow', [], ['--steps', '10', '--resume', ckpt]);
    expect(resumed.losses.map((l) => l.step)).toEqual([6, 7, 8, 9, 10]);
    expectClose(resumed, { ...native, losses: native.losses.slice(5) }, 1e-4);
  });

  it('train two zero2 ranks (gradients reduce-scattered, flat optimizer on each shard) to the same weights', async () => {
    const flags = ['--devices=2', '--strategy=zero2'];
    expectClose(await train('tensorflow', flags, ['--steps', '8']), await train('wasm', flags, ['--steps', '8']), 1e-4);
  });
});
