/**
 * What a rank prints when the user's script throws: a stack that reaches the user's code, and a paragraph
 * instead of a useless stack when the wasm heap ran out.
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * V8 keeps 10 frames by default; an error raised in a tfjs kernel spends them all inside tfjs (engine, op
 * wrappers, backend) before the user's line. 50 reaches the script at the cost of a little capture time.
 */
export const RANK_STACK_TRACE_LIMIT = 50;

/** `    at fn (/abs/file.ts:1:2)` or `    at /abs/file.ts:1:2`: the file of an absolute-path or file:// frame. */
const FRAME_FILE = /^\s+at (?:.*\()?((?:file:\/\/|\/|[A-Za-z]:[\\/]).+?):\d+:\d+\)?$/;

/**
 * The error's stack without frames whose file is not on disk: tfjs's source maps name its TypeScript sources
 * (`tfjs-core/src/engine.ts`), which npm does not ship, so those frames only push the user's line out of sight.
 * One line says how many were left out. Existence is looked up once per file, and only when a rank fails.
 */
export function readableStack(error: Error, fileExists: (file: string) => boolean = fs.existsSync): string {
  const stack = error.stack ?? `${error.name}: ${error.message}`;
  const known = new Map<string, boolean>();
  let dropped = 0;
  const kept = stack.split('\n').filter((line) => {
    const file = FRAME_FILE.exec(line)?.[1];
    if (file === undefined) return true;
    const path = file.startsWith('file://') ? fileURLToPath(file) : file;
    if (!known.has(path)) known.set(path, fileExists(path));
    if (known.get(path)) return true;
    dropped++;
    return false;
  });
  if (dropped > 0) kept.push(`    (${dropped} frame(s) in source-mapped files that are not on disk, e.g. tfjs internals, left out)`);
  return kept.join('\n');
}

/** Emscripten's abort: the wasm heap could not grow (or an assertion in the module failed). */
export function isWasmAbort(error: unknown): boolean {
  return error instanceof Error && error.name === 'RuntimeError' && /^Aborted\(/.test(error.message);
}

export const WASM_ABORT_MESSAGE =
  "tfjs's WebAssembly backend aborted (RuntimeError: Aborted()): almost always its heap is full. Each rank's wasm heap " +
  'is limited to about 2-4 GB, however much memory the machine has, and tensors that are never disposed fill it ' +
  'step after step. Check that tf.memory().numTensors stays flat from one step to the next, wrap per-step work in ' +
  'tf.tidy(() => ...) and dispose() the tensors you keep; if nothing leaks, use a smaller batch or model, or install ' +
  '@tensorflow/tfjs-node, whose native memory has no such limit.';

/** The text a rank prints for an error that escaped the user's `train`. */
export function describeRankFailure(error: unknown): string {
  if (isWasmAbort(error)) return `Error: ${WASM_ABORT_MESSAGE}`;
  return error instanceof Error ? readableStack(error) : String(error);
}
