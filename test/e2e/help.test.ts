/**
 * Help output: `fabric --help` and `fabric run model --help` succeed, show examples, and the examples work
 * when pasted in the repository root (their files exist, the script accepts the arguments they pass).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, makeTempDir, removeTempDirs, runCli, startCli } from '../helpers/cli.js';

afterAll(removeTempDirs);

/** The `$ fabric ...` command lines of the EXAMPLES section of a help text, with `\` continuations joined. */
function exampleCommands(help: string): string[] {
  const commands: string[] = [];
  const lines = help.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'EXAMPLES');
  if (start < 0) return commands;
  for (let i = start + 1; i < lines.length && !/^[A-Z][A-Z ]+$/.test(lines[i]); i++) {
    let line = lines[i].trim();
    if (!line.startsWith('$ fabric ')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = `${line.slice(0, -1).trim()} ${lines[++i].trim()}`;
    commands.push(line.slice(2));
  }
  return commands;
}

/** Arguments of an example that name files (scripts and config files), not flags or flag values like 300. */
function filesNamedBy(command: string): string[] {
  return command
    .split(/\s+/)
    .map((token) => token.replace(/^--[a-z-]+=/, ''))
    .filter((token) => !token.startsWith('-') && /\.(ts|js|mjs|ya?ml)$/.test(token));
}

describe('help', () => {
  it('fabric --help exits 0 and shows how to run a script', async () => {
    const result = await runCli(['--help'], { cwd: REPO_ROOT });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toMatch(/\brun\b/);
    expect(exampleCommands(result.stdout).filter((c) => c.startsWith('fabric run model ')), `no EXAMPLES with \`fabric run model\` in:\n${result.stdout}`).not.toEqual([]);
  });

  it('fabric run model --help exits 0 and shows examples', async () => {
    const result = await runCli(['run', 'model', '--help'], { cwd: REPO_ROOT });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('EXAMPLES');
    const examples = exampleCommands(result.stdout);
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(example).toMatch(/^fabric run model /);
  });

  it('every file an example names exists in the repository', async () => {
    const help = (await runCli(['run', 'model', '--help'], { cwd: REPO_ROOT })).stdout;
    const missing = exampleCommands(help).flatMap((command) => filesNamedBy(command).filter((file) => !fs.existsSync(path.join(REPO_ROOT, file))).map((file) => `${file} (in: ${command})`));
    expect(missing).toEqual([]);
  });

  it('examples start training when pasted in the repository root', async () => {
    const help = (await runCli(['run', 'model', '--help'], { cwd: REPO_ROOT })).stdout;
    const runnable = exampleCommands(help).filter((command) => filesNamedBy(command).every((file) => fs.existsSync(path.join(REPO_ROOT, file))));
    expect(runnable.length).toBeGreaterThan(0);
    const rootDir = makeTempDir();
    for (const command of runnable) {
      // Runs go to a temp dir (env, so the pasted command stays as printed); the first progress line proves training began.
      const cli = startCli(command.split(/\s+/).slice(1), { cwd: REPO_ROOT, env: { FABRIC_ROOT_DIR: rootDir, FABRIC_PROGRESS_INTERVAL: '0.1' } });
      const started = await cli.waitFor(/^\[rank 0\] step \d+/m).then(
        () => true,
        () => false,
      );
      if (started) {
        // Two signals: the launcher force-stops the rank on the second, so this check need not wait for a graceful stop.
        cli.child.kill('SIGTERM');
        await new Promise((resolve) => setTimeout(resolve, 100));
        cli.child.kill('SIGTERM');
      }
      const result = await cli.done;
      if (!started) expect(result.code, `\`${command}\` failed:\n${result.output}`).toBe(0);
    }
  });
});

describe('README commands', () => {
  it('`npm run demo` runs a training script that exists', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    const script = pkg.scripts.demo.match(/run model (\S+\.ts)/)?.[1];
    expect(script).toBeDefined();
    expect(fs.existsSync(path.join(REPO_ROOT, script!))).toBe(true);
    expect(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')).toContain('npm ci && npm run demo');
  });
});
