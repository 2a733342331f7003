/** `fabric init` in a real pseudo-terminal: the template list, arrow keys, Enter and Esc. Needs `npm run build`. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as pty from 'node-pty';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanEnv, makeTempDir, removeTempDirs } from '../helpers/cli.js';

afterAll(removeTempDirs);

interface Session {
  output(): string;
  waitFor(pattern: RegExp): Promise<void>;
  write(keys: string): void;
  exit: Promise<number>;
}

function startInTerminal(args: string[], cwd: string): Session {
  const term = pty.spawn(process.execPath, [CLI_BIN, ...args], { cwd, env: cleanEnv({ TERM: 'xterm-256color' }) as Record<string, string>, cols: 120, rows: 30 });
  let text = '';
  const waiters: (() => void)[] = [];
  term.onData((chunk) => {
    text += chunk;
    waiters.forEach((check) => check());
  });
  const exit = new Promise<number>((resolve) => term.onExit(({ exitCode }) => resolve(exitCode)));
  const timer = setTimeout(() => term.kill('SIGKILL'), 30_000);
  void exit.then(() => clearTimeout(timer));
  return {
    output: () => text,
    write: (keys) => term.write(keys),
    exit,
    waitFor: (pattern) =>
      new Promise<void>((resolve, reject) => {
        const check = () => pattern.test(text) && resolve();
        waiters.push(check);
        check();
        void exit.then(() => (pattern.test(text) ? resolve() : reject(new Error(`exited before ${pattern}:\n${text}`))));
      }),
  };
}

const DOWN = '\x1b[B';

describe('fabric init in a terminal', () => {
  it('asks for the template; arrow keys and Enter choose one', async () => {
    const cwd = makeTempDir();
    const session = startInTerminal(['init', 'lm'], cwd);
    await session.waitFor(/Which template\?/);
    await session.waitFor(/transformer-lm/);
    expect(session.output()).toContain('a character-level Transformer language model');
    session.write(DOWN);
    session.write(DOWN);
    await new Promise((resolve) => setTimeout(resolve, 200));
    session.write('\r');
    expect(await session.exit, session.output()).toBe(0);
    expect(session.output()).toContain('Template: transformer-lm');
    expect(session.output()).toContain("Created lm from the 'transformer-lm' template");
    expect(fs.existsSync(path.join(cwd, 'lm', 'model.ts'))).toBe(true);
  });

  it('Esc quits without writing anything', async () => {
    const cwd = makeTempDir();
    const session = startInTerminal(['init', 'nothing'], cwd);
    await session.waitFor(/Which template\?/);
    session.write('\x1b');
    expect(await session.exit).toBe(130);
    expect(session.output()).toContain('No template chosen; nothing was written.');
    expect(fs.existsSync(path.join(cwd, 'nothing'))).toBe(false);
  });

  it('--template skips the question even in a terminal', async () => {
    const cwd = makeTempDir();
    const session = startInTerminal(['init', 'm', '--template', 'minimal'], cwd);
    expect(await session.exit, session.output()).toBe(0);
    expect(session.output()).not.toContain('Which template?');
    expect(fs.existsSync(path.join(cwd, 'm', 'train.ts'))).toBe(true);
  });
});
