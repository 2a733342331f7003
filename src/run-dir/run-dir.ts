import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { writeFileAtomicSync } from './atomic-file.js';

/** Where each file of one run lives: `<rootDir>/<name>/version_<N>/...`. */
export interface RunPaths {
  dir: string;
  runJson: string;
  progress: string;
  metricsCsv: string;
  hparams: string;
  checkpoints: string;
  rankLog(rank: number): string;
}

/** What `fabric run` records about a run; `fabric logs` and `fabric resume` read it back. */
export interface RunInfo {
  command: string[];
  script: string;
  scriptArgs: string[];
  config: Record<string, unknown>;
  configSources?: Record<string, unknown>;
  versions: Record<string, string>;
  worldSize: number;
  startTime: string;
  endTime?: string;
  status: 'running' | 'finished' | 'failed' | 'interrupted';
  exitCode?: number;
  /** The rank whose failure ended the run (first non-zero exit), when one did. */
  failedRank?: number;
  cwd: string;
  /** sha256 of the script when this run (or its latest resume) started; `fabric resume` warns when it changed. */
  scriptSha256?: string;
  /** Each `fabric resume` of this run, oldest first; the run keeps its directory, so metrics continue in the same files. */
  resumes?: ResumeRecord[];
}

/** One `fabric resume` of a run. */
export interface ResumeRecord {
  command: string[];
  /** The checkpoint directory it started from, and that checkpoint's global step. */
  checkpoint: string;
  step: number | null;
  /** Config keys the resume changed, with their new values (e.g. devices). */
  overrides: Record<string, unknown>;
  startTime: string;
  endTime?: string;
  status: RunInfo['status'];
  exitCode?: number;
}

export interface RunEntry {
  name: string;
  version: number;
  dir: string;
  mtimeMs: number;
}

const VERSION_DIR = /^version_(\d+)$/;
const RUN_STATUSES: ReadonlySet<string> = new Set(['running', 'finished', 'failed', 'interrupted']);

export function runPaths(dir: string): RunPaths {
  return {
    dir,
    runJson: path.join(dir, 'run.json'),
    progress: path.join(dir, 'progress.jsonl'),
    metricsCsv: path.join(dir, 'metrics.csv'),
    hparams: path.join(dir, 'hparams.yaml'),
    checkpoints: path.join(dir, 'checkpoints'),
    rankLog: (rank: number) => path.join(dir, `rank_${rank}.log`),
  };
}

function assertSafeRunName(name: string): void {
  const unsafe =
    name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name) || name.trim() !== name;
  if (unsafe) {
    throw new FabricUserError(
      `The run name ${JSON.stringify(name)} is not a single safe folder name: runs are stored in ` +
        `<root>/<name>/version_<N>/, so the name must be non-empty, must not be '.' or '..', must not ` +
        `contain '/', '\\' or NUL, and must not start or end with spaces. Pick a plain name such as "mnist-ddp".`,
    );
  }
}

function versionsIn(nameDir: string): number[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(nameDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const versions: number[] = [];
  for (const entry of entries) {
    const match = entry.isDirectory() ? VERSION_DIR.exec(entry.name) : null;
    if (match) versions.push(Number(match[1]));
  }
  return versions.sort((a, b) => a - b);
}

/** Makes the next free `version_<N>` under `<rootDir>/<name>`, safe against concurrent creators. */
export function createRunDir(rootDir: string, name: string): RunPaths {
  assertSafeRunName(name);
  const nameDir = path.join(rootDir, name);
  try {
    fs.mkdirSync(nameDir, { recursive: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') throw error;
    throw new FabricUserError(
      `Cannot create the run folder ${nameDir}: a file with that name (or a file on its path) already exists. ` +
        `Move that file away or choose another run name or root directory.`,
    );
  }
  const existing = versionsIn(nameDir);
  let version = existing.length > 0 ? existing[existing.length - 1] + 1 : 0;
  // Non-recursive mkdir fails with EEXIST when another process took this number first: take the next one.
  for (;;) {
    const dir = path.join(nameDir, `version_${version}`);
    try {
      fs.mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') {
        version += 1;
        continue;
      }
      throw error;
    }
    const paths = runPaths(dir);
    fs.mkdirSync(paths.checkpoints);
    return paths;
  }
}

function latestMtimeMs(dir: string): number {
  let latest = fs.statSync(dir).mtimeMs;
  // The dir's own mtime stops changing once its files exist; run.json is rewritten when the run ends.
  for (const file of ['run.json', 'progress.jsonl']) {
    const stat = fs.statSync(path.join(dir, file), { throwIfNoEntry: false });
    if (stat && stat.mtimeMs > latest) latest = stat.mtimeMs;
  }
  return latest;
}

/** Every `<name>/version_<N>` under rootDir, sorted by name then version; [] when rootDir is missing. */
export function listRuns(rootDir: string): RunEntry[] {
  let names: fs.Dirent[];
  try {
    names = fs.readdirSync(rootDir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const runs: RunEntry[] = [];
  for (const entry of names.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    for (const version of versionsIn(path.join(rootDir, entry.name))) {
      const dir = path.join(rootDir, entry.name, `version_${version}`);
      runs.push({ name: entry.name, version, dir, mtimeMs: latestMtimeMs(dir) });
    }
  }
  return runs;
}

/**
 * The newest run: with a name, its highest version (numbers never lie, mtimes can tie);
 * without, the run touched last across all names.
 */
export function findLatestRun(rootDir: string, name?: string): RunPaths | undefined {
  if (name !== undefined) {
    assertSafeRunName(name);
    const versions = versionsIn(path.join(rootDir, name));
    if (versions.length === 0) return undefined;
    return runPaths(path.join(rootDir, name, `version_${versions[versions.length - 1]}`));
  }
  let latest: RunEntry | undefined;
  for (const run of listRuns(rootDir)) {
    if (!latest || run.mtimeMs > latest.mtimeMs || (run.mtimeMs === latest.mtimeMs && run.version > latest.version)) {
      latest = run;
    }
  }
  return latest ? runPaths(latest.dir) : undefined;
}

export function writeRunInfo(paths: RunPaths, info: RunInfo): void {
  writeFileAtomicSync(paths.runJson, `${JSON.stringify(info, null, 2)}\n`);
}

export function readRunInfo(paths: RunPaths): RunInfo {
  let text: string;
  try {
    text = fs.readFileSync(paths.runJson, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new FabricUserError(
      `No run.json in ${paths.dir}: this folder is not a tfjs-fabric run, or the run was removed. ` +
        `Pass a run folder that \`fabric run\` created (runs/<name>/version_<N>), or omit it to use the latest run.`,
    );
  }
  let info: unknown;
  try {
    info = JSON.parse(text);
  } catch (error) {
    throw new FabricUserError(
      `${paths.runJson} is not valid JSON (${(error as Error).message}). The file was edited or damaged; ` +
        `restore it or start a new run.`,
    );
  }
  const record = info as Partial<RunInfo> | null;
  const valid =
    typeof record === 'object' && record !== null && !Array.isArray(record) &&
    Array.isArray(record.command) && typeof record.script === 'string' &&
    typeof record.worldSize === 'number' && typeof record.status === 'string' && RUN_STATUSES.has(record.status);
  if (!valid) {
    throw new FabricUserError(
      `${paths.runJson} does not describe a run: it needs at least "command", "script", "worldSize" and a ` +
        `"status" of running, finished, failed or interrupted. The file was edited or damaged; restore it or start a new run.`,
    );
  }
  return record as RunInfo;
}
