/** Which run `fabric logs [run dir | name]` means, and a clear error listing the runs that exist when none fits. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { findLatestRun, listRuns, readRunInfo, runPaths, type RunPaths } from '../run-dir/run-dir.js';
import { shownPath } from './format.js';

const LISTED = 20;

function isRunDir(dir: string): boolean {
  return fs.existsSync(path.join(dir, 'run.json'));
}

function hasVersions(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((entry) => /^version_\d+$/.test(entry));
  } catch {
    return false;
  }
}

/** "  fabric/version_3  finished  2025-01-02T10:00:00Z" for each run, newest last; at most the last 20. */
export function describeRuns(rootDir: string, cwd = process.cwd()): string[] {
  const runs = listRuns(rootDir).sort((a, b) => a.mtimeMs - b.mtimeMs);
  const lines = runs.slice(-LISTED).map((run) => {
    let status = '?';
    let started = '';
    try {
      const info = readRunInfo(runPaths(run.dir));
      status = info.status;
      started = info.startTime;
    } catch {
      status = 'no readable run.json';
    }
    return `  ${shownPath(run.dir, cwd)}  ${status}${started ? `  started ${started}` : ''}`;
  });
  if (runs.length > LISTED) lines.unshift(`  … ${runs.length - LISTED} older runs not listed`);
  return lines;
}

/**
 * A run folder (has run.json), a run name's folder (its newest version), a name under `rootDir`
 * (newest version), `<name>/version_<N>` under `rootDir`, or, with nothing given, the newest run.
 */
export function resolveRun(given: string | undefined, rootDir: string, cwd = process.cwd()): RunPaths {
  const root = path.resolve(cwd, rootDir);
  if (given === undefined) {
    const latest = findLatestRun(root);
    if (latest) return latest;
    throw new FabricUserError(`No runs under ${shownPath(root, cwd)}. Start one with \`fabric run model train.ts\`, or point --root-dir at the folder that holds your runs.`);
  }
  for (const dir of [path.resolve(cwd, given), path.resolve(root, given)]) {
    if (isRunDir(dir)) return runPaths(dir);
    if (hasVersions(dir)) {
      const latest = findLatestRun(path.dirname(dir), path.basename(dir));
      if (latest) return latest;
    }
  }
  const existing = describeRuns(root, cwd);
  const list = existing.length > 0 ? `Runs under ${shownPath(root, cwd)}:\n${existing.join('\n')}` : `There are no runs under ${shownPath(root, cwd)} (--root-dir).`;
  throw new FabricUserError(`No run '${given}': it is neither a run folder (with run.json) nor a run name under ${shownPath(root, cwd)}. Pass one of the runs below, a name, or nothing for the latest run.\n${list}`);
}
