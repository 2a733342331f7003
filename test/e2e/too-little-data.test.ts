/**
 * Too little data for the ranks, through the real CLI: a rank whose loader has no batch stops every rank at
 * setupDataloaders with exit code 2 and one message (not 0 steps and exit 0); padding that repeats much of the data warns.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, REPO_ROOT, removeTempDirs, runModel, STACK_FRAME } from '../helpers/cli.js';

afterAll(removeTempDirs);

const DIST_INDEX = pathToFileURL(path.join(REPO_ROOT, 'dist', 'src', 'index.js')).href;

/** A script with 5 samples in batches of 2; `--drop-last` sets dropLast. It prints how many steps it took. */
const FIVE_SAMPLES_SCRIPT = `import { DataLoader } from ${JSON.stringify(DIST_INDEX)};

export async function train(fabric, args) {
  const [loader] = fabric.setupDataloaders(new DataLoader([0, 1, 2, 3, 4], { batchSize: 2, dropLast: args.includes('--drop-last') }));
  let steps = 0;
  for (const _batch of loader) steps++;
  fabric.print(\`took \${steps} steps\`);
}
`;

function writeScript(): { cwd: string; script: string } {
  const cwd = makeTempDir();
  const script = path.join(cwd, 'five-samples.ts');
  fs.writeFileSync(script, FIVE_SAMPLES_SCRIPT);
  return { cwd, script };
}

describe('fabric run model with too little data for the ranks', () => {
  it('--devices 3 on 5 samples with dropLast: exit 2 with the numbers and what to do, before any step', async () => {
    const { cwd, script } = writeScript();
    const result = await runModel({ cwd, rootDir: path.join(cwd, 'runs'), flags: ['--devices', '3', '--accelerator=cpu'], script, scriptArgs: ['--drop-last'], timeoutMs: 90_000 });
    expect(result.code, result.output).toBe(2);
    const message = normalizeMessage(result.output);
    expect(message).toContain('5 samples over 3 rank(s) is 1 sample(s) per rank, fewer than batchSize 2, and with dropLast true');
    expect(message).toContain('Use fewer ranks (--devices), a smaller batchSize, or dropLast: false.');
    expect(result.output).not.toContain('took 0 steps');
    expect(result.output, 'a user mistake must not print a stack trace').not.toMatch(STACK_FRAME);
  });

  it('--devices 2 on 5 samples without dropLast: one warning line about the padding, then trains', async () => {
    const { cwd, script } = writeScript();
    const result = await runModel({ cwd, rootDir: path.join(cwd, 'runs'), flags: ['--devices', '2', '--accelerator=cpu'], script, timeoutMs: 90_000 });
    expect(result.code, result.output).toBe(0);
    const warnings = result.output.split('\n').filter((line) => line.includes('tfjs-fabric: warning: a data loader pads'));
    expect(warnings, result.output).toHaveLength(1);
    expect(warnings[0]).toContain(
      'tfjs-fabric: warning: a data loader pads 5 samples to 6 for 2 ranks, repeating 1 (20% of the data) every epoch; use fewer ranks, more data, or dropLast: true.',
    );
    expect(result.output).toContain('took 2 steps');
  });
});
