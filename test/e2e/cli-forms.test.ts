/**
 * The command lines users try first, through the real CLI: Fabric flags typed after the script path (a one-line
 * warning), Lightning's `fabric run <script>` form (an alias of `fabric run model`), and mistyped commands
 * (exit 2, one paragraph, "did you mean").
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli, runModel, runVersions, STACK_FRAME } from '../helpers/cli.js';

afterAll(removeTempDirs);

const WARNING = /^tfjs-fabric: warning: .*after .* went to the script/m;

function warningLines(output: string): string[] {
  return output.split('\n').filter((line) => WARNING.test(line));
}

describe('Fabric flags after the script path', () => {
  it('go to the script, with one warning line naming the Fabric-looking ones (--x and --x=v)', async () => {
    const cwd = makeTempDir();
    const out = path.join(cwd, 'args.json');
    const scriptArgs = ['--devices', '2', '--lr', '0.1', '--strategy=fsdp', '--no-tui', 'plain', '--', '--seed', '3'];
    const result = await runCli(['run', 'model', `--root-dir=${path.join(cwd, 'runs')}`, '--no-tui', fixture('args-echo.ts'), ...scriptArgs], { cwd, env: { ARGS_ECHO_OUT: out } });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(scriptArgs);
    const lines = warningLines(result.stderr);
    expect(lines, result.output).toHaveLength(1);
    // --lr is the script's own; --seed comes after the user's `--`, so it is the script's on purpose.
    expect(lines[0]).toContain('--devices, --strategy, --no-tui after ');
    expect(lines[0]).not.toMatch(/--lr|--seed/);
    expect(lines[0]).toContain("Fabric's flags go before the script path");
    expect(lines[0]).toContain('`fabric run model --devices ... ');
  });

  it('say nothing for other script arguments, or after a `--` right after the script path', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const env = { ARGS_ECHO_OUT: path.join(cwd, 'args.json') };
    const plain = await runCli(['run', 'model', `--root-dir=${rootDir}`, '--no-tui', fixture('args-echo.ts'), '--lr', '0.1', '--epochs=3'], { cwd, env });
    expect(plain.code, plain.output).toBe(0);
    expect(plain.output).not.toContain('warning');
    const separated = await runCli(['run', 'model', `--root-dir=${rootDir}`, '--no-tui', fixture('args-echo.ts'), '--', '--devices', '2'], { cwd, env });
    expect(separated.code, separated.output).toBe(0);
    expect(separated.output).not.toContain('warning');
    const before = await runCli(['run', 'model', `--root-dir=${rootDir}`, '--no-tui', '--', fixture('args-echo.ts'), '--devices', '2'], { cwd, env });
    expect(before.code, before.output).toBe(0);
    expect(before.output).not.toContain('warning');
  });

  it('warn on `fabric resume <run> --devices=2` too (those arguments replace the script arguments)', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const first = await runModel({ cwd, rootDir, flags: ['--no-tui'], script: fixture('tiny-train.ts'), scriptArgs: ['--steps', '2', '--save-at', '2'] });
    expect(first.code, first.output).toBe(0);
    const runDir = path.join(rootDir, 'fabric', 'version_0');
    const misplaced = await runCli(['resume', '--no-tui', runDir, '--steps', '3', '--devices=2'], { cwd });
    const lines = warningLines(misplaced.stderr);
    expect(lines, misplaced.output).toHaveLength(1);
    expect(lines[0]).toContain(`--devices after ${runDir} went to the script`);
    expect(lines[0]).toContain(`\`fabric resume --devices ... ${runDir}\``);
    const separated = await runCli(['resume', '--no-tui', runDir, '--', '--steps', '3'], { cwd });
    expect(separated.code, separated.output).toBe(0);
    expect(warningLines(separated.output)).toEqual([]);
  });
});

describe('fabric run <script>', () => {
  it('runs the script as `fabric run model` does, with Fabric flags before the script path', async () => {
    const cwd = makeTempDir();
    const rootDir = path.join(cwd, 'runs');
    const out = path.join(cwd, 'args.json');
    const result = await runCli(['run', '--root-dir', rootDir, '--name', 'alias', '--devices', '2', '--no-tui', fixture('args-echo.ts'), '--lr', '0.1'], { cwd, env: { ARGS_ECHO_OUT: out } });
    expect(result.code, result.output).toBe(0);
    expect(JSON.parse(fs.readFileSync(out, 'utf8'))).toEqual(['--lr', '0.1']);
    expect(runVersions(rootDir, 'alias')).toEqual(['version_0']);
    const info = JSON.parse(fs.readFileSync(path.join(rootDir, 'alias', 'version_0', 'run.json'), 'utf8')) as { config: Record<string, unknown>; status: string };
    expect(info.status).toBe('finished');
    expect(info.config.devices).toBe(2);
  });

  it('answers a mistyped subcommand (`fabric run modle x.ts`) with exit 2 and "did you mean"', async () => {
    const result = await runCli(['run', 'modle', 'x.ts'], { cwd: makeTempDir() });
    expect(result.code, result.output).toBe(2);
    expect(normalizeMessage(result.output)).toContain('Did you mean `fabric run model`?');
    expect(result.output).not.toMatch(STACK_FRAME);
  });

  it('bare `fabric run` still shows help', async () => {
    const result = await runCli(['run'], { cwd: makeTempDir() });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('run model');
  });
});

describe('unknown commands', () => {
  const cases: [string[], string][] = [
    [['runn', 'train.ts'], 'Did you mean `fabric run`?'],
    [['resum', 'runs/fabric/version_0'], 'Did you mean `fabric resume`?'],
    [['lgos'], 'Did you mean `fabric logs`?'],
    [['train.ts'], 'run `fabric run train.ts`'],
  ];
  for (const [args, hint] of cases) {
    it(`\`fabric ${args.join(' ')}\`: exit 2, one paragraph with "${hint}"`, async () => {
      const result = await runCli(args, { cwd: makeTempDir() });
      expect(result.code, result.output).toBe(2);
      const message = normalizeMessage(result.output);
      expect(message).toContain(`\`fabric ${args[0]}\` is not a fabric command.`);
      expect(message).toContain(hint);
      expect(message).toContain('`fabric --help`');
      expect(message).not.toMatch(/not found/);
      expect(result.output).not.toMatch(STACK_FRAME);
    });
  }

  it('no guess for nonsense, still the list of commands', async () => {
    const result = await runCli(['xyzzy'], { cwd: makeTempDir() });
    expect(result.code, result.output).toBe(2);
    const message = normalizeMessage(result.output);
    expect(message).not.toContain('Did you mean');
    expect(message).toContain('`fabric run model`');
  });
});
