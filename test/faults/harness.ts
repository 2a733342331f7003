/**
 * Shared parts of the fault suite: how many runs each fault gets, a seeded random source, starting a real
 * multi-rank run that carries a unique marker, finding every process that still carries it, and recording
 * each run's outcome for the table that `npm run test:faults` prints.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import seedrandom from 'seedrandom';
import { fixture, makeTempDir, startCli, type RunningCli } from '../helpers/cli.js';

export const FAULT_SCRIPT = fixture('faults/fault-train.ts');
export const FS_INJECTOR = fixture('faults/inject-fs.mjs');

/** Runs per fault: `small` inside `npm test`, FABRIC_FAULT_RUNS (npm run test:faults) when set. */
export function faultRuns(small: number): number {
  const wanted = Number(process.env.FABRIC_FAULT_RUNS);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : small;
}

/** A named count from the environment (fuzz cases), `small` when unset. */
export function envCount(name: string, small: number): number {
  const wanted = Number(process.env[name]);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : small;
}

export const SEED = process.env.FABRIC_FAULT_SEED ?? '20240610';

/** A seeded random source per test, so a failing case can be replayed with the same FABRIC_FAULT_SEED. */
export function rng(label: string): { next: () => number; int: (lo: number, hi: number) => number; pick: <T>(items: readonly T[]) => T } {
  const random = seedrandom(`${SEED}:${label}`);
  const int = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  return { next: () => random(), int, pick: (items) => items[int(0, items.length - 1)] };
}

export interface Outcome {
  fault: string;
  /** Everything the issue asks of this run held. */
  expected: boolean;
  leftBehind: number;
  /** Checkpoints, metric rows or files that should have survived and did not. */
  lost: number;
  detail?: string;
  /** For a fuzzer that records many cases at once: how many, and how many were not refused cleanly. */
  count?: number;
  failed?: number;
}

/** Appends one run's outcome to FABRIC_FAULT_REPORT (the table runner sets it); a no-op otherwise. */
export function recordOutcome(outcome: Outcome): void {
  const file = process.env.FABRIC_FAULT_REPORT;
  if (file) fs.appendFileSync(file, `${JSON.stringify(outcome)}\n`);
}

/** Processes (not zombies) whose environment carries `FAULT_RUN_MARKER=<marker>`: the CLI, its ranks and anything they started. */
export function processesWithMarker(marker: string): { pid: number; args: string }[] {
  const needle = Buffer.from(`FAULT_RUN_MARKER=${marker}\0`);
  const found: { pid: number; args: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!fs.readFileSync(`/proc/${entry}/environ`).includes(needle)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z') continue;
      found.push({ pid: Number(entry), args: fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim() });
    } catch {
      // exited while we looked, or not ours to read
    }
  }
  return found;
}

/** Kills whatever a failed test left running, so one failure does not slow down the rest. */
export function killMarked(marker: string): void {
  for (const { pid } of processesWithMarker(marker)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

export interface FaultRun {
  cli: RunningCli;
  marker: string;
  /** The test's scratch dir: runs/ (root dir), out/ (pid and step files), ckpt/. */
  dir: string;
  out: string;
  ckpt: string;
  runDir: string;
  pidOf(rank: number): number | undefined;
  stepOf(rank: number): number;
}

/** Starts `fabric run model --devices=N <flags> fault-train.ts --out-dir out <args>` with a fresh marker. */
export function startFaultRun(options: { devices?: number; flags?: string[]; args?: string[]; env?: Record<string, string>; timeoutMs?: number; script?: string }): FaultRun {
  const dir = makeTempDir('fabric-fault-');
  const marker = randomUUID();
  const out = path.join(dir, 'out');
  const ckpt = path.join(dir, 'ckpt');
  fs.mkdirSync(out);
  fs.mkdirSync(ckpt);
  const rootDir = path.join(dir, 'runs');
  const cli = startCli(
    ['run', 'model', `--root-dir=${rootDir}`, `--devices=${options.devices ?? 2}`, '--accelerator=cpu', ...(options.flags ?? []), options.script ?? FAULT_SCRIPT, '--out-dir', out, ...(options.args ?? [])],
    { cwd: dir, env: { FAULT_RUN_MARKER: marker, ...options.env }, timeoutMs: options.timeoutMs ?? 90_000 },
  );
  const readNumber = (file: string) => {
    try {
      return Number(fs.readFileSync(path.join(out, file), 'utf8'));
    } catch {
      return undefined;
    }
  };
  return {
    cli,
    marker,
    dir,
    out,
    ckpt,
    runDir: path.join(rootDir, 'fabric', 'version_0'),
    pidOf: (rank) => readNumber(`pid_rank${rank}`),
    stepOf: (rank) => readNumber(`step_rank${rank}`) ?? 0,
  };
}

export function readRunInfo(runDir: string): { status?: string; exitCode?: number; failedRank?: number; config?: { mainPort?: number } } {
  try {
    return JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'));
  } catch {
    return {};
  }
}

/** The NODE_OPTIONS that preload the filesystem fault injector into the ranks. */
export function injectorEnv(settings: Record<string, string>): Record<string, string> {
  return { NODE_OPTIONS: `--import ${FS_INJECTOR}`, ...settings };
}
