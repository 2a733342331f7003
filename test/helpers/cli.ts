/**
 * Spawns the real, compiled CLI (`node bin/run.js ...`) for end-to-end tests.
 * Run `npm run build` first: bin/run.js executes dist/commands.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const CLI_BIN = path.join(REPO_ROOT, 'bin', 'run.js');
export const FIXTURES_DIR = path.join(REPO_ROOT, 'test', 'fixtures');

/** Absolute path of a fixture script (they live inside the repo so `import 'tfjs-fabric'` resolves to dist). */
export function fixture(name: string): string {
  return path.join(FIXTURES_DIR, name);
}

/** The 1-based line of the first line of `file` that contains `needle`. */
export function lineOf(file: string, needle: string): number {
  const index = fs.readFileSync(file, 'utf8').split('\n').findIndex((line) => line.includes(needle));
  if (index < 0) throw new Error(`'${needle}' not found in ${file}`);
  return index + 1;
}

/**
 * The test process's env without what would change the CLI's behaviour: vitest's NODE_ENV=test
 * (oclif would transpile on the fly), CI (plain vs TUI output) and any FABRIC_* setting of the caller, except
 * FABRIC_TFJS_BACKEND: the engine under test (vitest.config.ts), which the ranks must run on too.
 */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'NODE_ENV' || key === 'CI' || key === 'NODE_OPTIONS' || key.startsWith('VITEST')) continue;
    if (key.startsWith('FABRIC_') && key !== 'FABRIC_TFJS_BACKEND') continue;
    env[key] = value;
  }
  for (const [key, value] of Object.entries(extra)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** A fresh temporary directory; removed by `removeTempDirs()`. */
const created: string[] = [];
export function makeTempDir(prefix = 'fabric-e2e-'): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  created.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** stdout then stderr. */
  output: string;
}

export interface CliOptions {
  cwd: string;
  env?: Record<string, string | undefined>;
  /** Safety net only (a hung CLI fails the test instead of hanging it); never a speed assertion. */
  timeoutMs?: number;
}

export interface RunningCli {
  child: ChildProcess;
  /** Everything printed so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout+stderr; rejects if the CLI exits first. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  done: Promise<CliResult>;
}

/** Starts `fabric <args>` and returns at once. */
export function startCli(args: string[], options: CliOptions): RunningCli {
  const child = spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: cleanEnv(options.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    notify();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    notify();
  });
  const timeoutMs = options.timeoutMs ?? 45_000;
  const done = new Promise<CliResult>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, output: `${stdout}${stderr}` });
      notify();
    });
  });
  let exited = false;
  void done.then(() => (exited = true));
  const waitFor = (pattern: RegExp) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const match = `${stdout}${stderr}`.match(pattern);
        if (match) {
          listeners.delete(check);
          resolve(match);
        } else if (exited || child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(new Error(`CLI exited (code ${child.exitCode}, signal ${child.signalCode}) before printing ${pattern}.\nstdout:\n${stdout}\nstderr:\n${stderr}`));
        }
      };
      listeners.add(check);
      check();
    });
  return { child, stdout: () => stdout, stderr: () => stderr, waitFor, done };
}

/** Runs `fabric <args>` to completion. */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return startCli(args, options).done;
}

/** `fabric run model --root-dir <rootDir> <fabricFlags...> <script> <scriptArgs...>` in `cwd`. */
export function runModel(options: CliOptions & { rootDir: string; flags?: string[]; script: string; scriptArgs?: string[] }): Promise<CliResult> {
  return runCli(['run', 'model', `--root-dir=${options.rootDir}`, ...(options.flags ?? []), options.script, ...(options.scriptArgs ?? [])], options);
}

/**
 * An error message as one line: drops oclif's ` ›   ` gutter and folds the line wrapping, so a test
 * can look for a phrase wherever the terminal width broke it.
 */
export function normalizeMessage(text: string): string {
  return text
    .replace(/^[ \t]*›[ \t]*/gm, '')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A line that looks like a stack frame (`    at fn (file:1:2)`), bare or behind a `[rank K]` prefix. */
export const STACK_FRAME = /^(\[rank \d+\])?\s+at /m;

/** The `version_<N>` folders under `<rootDir>/<name>`, sorted by N. */
export function runVersions(rootDir: string, name = 'fabric'): string[] {
  const dir = path.join(rootDir, name);
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((entry) => /^version_\d+$/.test(entry))
    .sort((a, b) => Number(a.slice(8)) - Number(b.slice(8)));
}

export interface CsvTable {
  header: string[];
  rows: string[][];
}

/** Reads metrics.csv (plain numbers, no quoting needed). */
export function readCsv(file: string): CsvTable {
  const lines = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0);
  const [header, ...rows] = lines.map((line) => line.split(','));
  return { header: header ?? [], rows };
}

/** The values of one column, as the exact strings in the file. */
export function csvColumn(table: CsvTable, name: string): string[] {
  const index = table.header.indexOf(name);
  if (index < 0) throw new Error(`metrics.csv has no column '${name}' (header: ${table.header.join(',')})`);
  return table.rows.map((row) => row[index] ?? '');
}

/** Every file under `dir` with its bytes as hex digest input, to show a command left a tree untouched. */
export function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(dir)) return out;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(dir, full)] = fs.readFileSync(full).toString('base64');
  }
  return out;
}

/**
 * True while a process with this pid runs (signal 0 probes without sending anything). A zombie counts as
 * gone: it has exited, and in a container whose init does not reap orphans it may stay listed for good.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Polls `predicate` until it holds or `timeoutMs` passes; returns whether it held. */
export async function eventually(predicate: () => boolean, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (predicate()) return true;
    if (Date.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The weights a fixture wrote to `<dir>/weights_rank<K>.json` (Float32 bytes as hex), plus the rest of that JSON. */
export function readRankWeights(dir: string, rank: number): { weights: Float32Array[]; [key: string]: unknown } {
  const data = JSON.parse(fs.readFileSync(path.join(dir, `weights_rank${rank}.json`), 'utf8')) as { weights: string[] };
  const weights = data.weights.map((hex) => {
    const bytes = Buffer.from(hex, 'hex');
    return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  });
  return { ...data, weights };
}
