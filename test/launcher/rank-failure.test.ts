import { describe, expect, it } from 'vitest';
import { describeRankFailure, isWasmAbort, readableStack, WASM_ABORT_MESSAGE } from '../../src/launcher/rank-failure.js';

function errorWithStack(stack: string): Error {
  const error = new Error('boom');
  error.stack = stack;
  return error;
}

describe('readableStack', () => {
  it('leaves out frames of files that do not exist and says how many', () => {
    const error = errorWithStack(
      [
        'Error: boom',
        '    at Engine.runKernel (/repo/tfjs-core/src/engine.ts:554:17)',
        '    at matMul_ (/repo/tfjs-core/src/ops/mat_mul.ts:54:17)',
        '    at projectInputs (/repo/train.ts:19:13)',
        '    at file:///repo/train.ts:3:1',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
        '    at <anonymous>',
      ].join('\n'),
    );
    const looked: string[] = [];
    const text = readableStack(error, (file) => (looked.push(file), file === '/repo/train.ts'));
    expect(text.split('\n')).toEqual([
      'Error: boom',
      '    at projectInputs (/repo/train.ts:19:13)',
      '    at file:///repo/train.ts:3:1',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at <anonymous>',
      '    (2 frame(s) in source-mapped files that are not on disk, e.g. tfjs internals, left out)',
    ]);
    // Each file is looked up once.
    expect(looked.sort()).toEqual(['/repo/tfjs-core/src/engine.ts', '/repo/tfjs-core/src/ops/mat_mul.ts', '/repo/train.ts']);
  });

  it('keeps a stack whose files all exist unchanged', () => {
    const error = new Error('real');
    expect(readableStack(error)).toBe(error.stack);
  });
});

/** The engine's own WebAssembly.RuntimeError (the project's TypeScript lib has no WebAssembly types). */
const { RuntimeError } = (globalThis as unknown as { WebAssembly: { RuntimeError: new (message: string) => Error } }).WebAssembly;

describe('the wasm abort', () => {
  it('becomes a paragraph about the per-rank wasm heap limit and what to do', () => {
    const abort = new RuntimeError('Aborted(). Build with -sASSERTIONS for more info.');
    expect(isWasmAbort(abort)).toBe(true);
    const text = describeRankFailure(abort);
    expect(text).toBe(`Error: ${WASM_ABORT_MESSAGE}`);
    expect(text).not.toContain('\n');
    for (const phrase of ['2-4 GB', 'tf.memory()', 'tf.tidy', 'smaller batch', 'tfjs-node']) expect(text).toContain(phrase);
  });

  it('leaves other errors, RuntimeErrors included, to their stack', () => {
    const trap = new RuntimeError('unreachable');
    expect(isWasmAbort(trap)).toBe(false);
    expect(isWasmAbort(new Error('Aborted()'))).toBe(false);
    expect(describeRankFailure(trap)).toContain('RuntimeError: unreachable');
    expect(describeRankFailure('plain')).toBe('plain');
  });
});
