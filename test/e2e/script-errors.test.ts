/** Errors raised inside tfjs, through the real CLI: the stack a rank prints reaches the user's own lines. */
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, lineOf, makeTempDir, removeTempDirs, runModel } from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('an error raised deep inside tfjs', () => {
  it("shows the user's .ts lines, not only tfjs's frames, and leaves out frames of files not on disk", async () => {
    const cwd = makeTempDir();
    const script = fixture('deep-tfjs-error.ts');
    const result = await runModel({ cwd, rootDir: `${cwd}/runs`, script });
    expect(result.code, result.output).toBe(1);
    expect(result.output).toContain('Error in matMul');
    // V8's default 10 frames end inside tfjs; the op call and the outermost user frame must both be there.
    expect(result.output).toMatch(new RegExp(`at projectInputs \\(.*deep-tfjs-error\\.ts:${lineOf(script, 'tf.matMul(')}:\\d+\\)`));
    expect(result.output).toMatch(new RegExp(`at train \\(.*deep-tfjs-error\\.ts:${lineOf(script, 'buildModel(fabric.tf)')}:\\d+\\)`));
    expect(result.output).not.toContain('tfjs-core/src/engine.ts');
    expect(result.output).toMatch(/frame\(s\) in source-mapped files that are not on disk/);
  });
});
