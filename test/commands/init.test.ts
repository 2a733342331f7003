/** `fabric init` through the real CLI (non-interactive: stdin is not a terminal here). Needs `npm run build`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir, normalizeMessage, removeTempDirs, runCli } from '../helpers/cli.js';

afterAll(removeTempDirs);

describe('fabric init', () => {
  it("without --template and without a terminal, writes the 'mlp' template and says how to choose", async () => {
    const cwd = makeTempDir();
    const result = await runCli(['init', 'spirals'], { cwd });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain("Using the 'mlp' template (stdin is not a terminal; choose with --template minimal|mlp|transformer-lm).");
    expect(result.stdout).toContain("Created spirals from the 'mlp' template");
    expect(result.stdout).toMatch(/Next steps:\n {2}cd spirals\n {2}npm install\n {2}npx fabric run model train.ts\n/);
    expect(fs.readdirSync(path.join(cwd, 'spirals')).sort()).toEqual(
      ['.gitignore', 'README.md', 'fabric.config.yaml', 'package.json', 'train-module.ts', 'train.ts', 'tsconfig.json'].sort(),
    );
  });

  it('writes into the current folder by default, with --name', async () => {
    const cwd = makeTempDir();
    const result = await runCli(['init', '--template', 'minimal', '--name', 'line-fit'], { cwd });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).not.toContain('  cd ');
    expect(JSON.parse(fs.readFileSync(path.join(cwd, 'package.json'), 'utf8')).name).toBe('line-fit');
  });

  it('refuses a non-empty folder with exit code 2 and a one-paragraph reason; --force writes anyway', async () => {
    const cwd = makeTempDir();
    fs.writeFileSync(path.join(cwd, 'train.ts'), 'mine');
    const refused = await runCli(['init', '.', '-t', 'minimal'], { cwd });
    expect(refused.code).toBe(2);
    expect(normalizeMessage(refused.stderr)).toContain('is not empty (it holds: train.ts). Choose a new or empty folder, or pass --force');
    expect(refused.stderr).not.toMatch(/^\s+at /m);
    expect(fs.readdirSync(cwd)).toEqual(['train.ts']);

    const forced = await runCli(['init', '.', '-t', 'minimal', '--force'], { cwd });
    expect(forced.code, forced.output).toBe(0);
    expect(forced.stdout).toContain('Overwrote: train.ts');
    expect(fs.readFileSync(path.join(cwd, 'train.ts'), 'utf8')).toContain('export async function train(');
  });

  it('an unknown template is a usage error with a suggestion', async () => {
    const cwd = makeTempDir();
    const result = await runCli(['init', 'x', '--template', 'transfomer-lm'], { cwd });
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.stderr)).toContain("There is no template 'transfomer-lm'. Did you mean 'transformer-lm'? Choose one of: minimal, mlp, transformer-lm.");
    expect(fs.existsSync(path.join(cwd, 'x'))).toBe(false);
  });

  it('--help lists the templates and examples', async () => {
    const result = await runCli(['init', '--help'], { cwd: makeTempDir() });
    expect(result.code).toBe(0);
    for (const name of ['minimal', 'mlp', 'transformer-lm', '--force', '--name']) expect(result.stdout).toContain(name);
    expect(result.stdout).toContain('$ fabric init lm-demo --template transformer-lm');
  });
});
