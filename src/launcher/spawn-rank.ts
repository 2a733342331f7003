import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineSplitter } from '../tui/plain.js';

/** The rank main next to this file (dist/src/launcher/rank-entry.js, or .ts when run from source). */
function rankEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.replace(/spawn-rank\.(js|ts)$/, (_m, ext: string) => `rank-entry.${ext}`);
}

export interface RankProcess {
  rank: number;
  child: ChildProcess;
  logPath: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts one rank: `node --import tsx rank-entry` with the run's env. Its stdout/stderr go to its log
 * file and, line by line, to `onLine`; with `keepLine`, only the lines it keeps go to either. IPC carries progress.
 */
export function spawnRank(options: {
  rank: number;
  env: NodeJS.ProcessEnv;
  logPath: string;
  cwd: string;
  onLine?: (line: string) => void;
  keepLine?: (line: string) => boolean;
  detached?: boolean;
}): RankProcess {
  // tsx is resolved from our own install (not the user's cwd) so a script anywhere loads.
  const tsxUrl = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--enable-source-maps', '--import', tsxUrl, rankEntryPath()], {
    cwd: options.cwd,
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Its own process group: the launcher can kill everything the rank started, and decides itself what Ctrl+C does.
    detached: options.detached ?? false,
  });
  const log = fs.createWriteStream(options.logPath, { flags: 'a' });
  const keepLine = options.keepLine;
  for (const stream of [child.stdout!, child.stderr!]) {
    const splitter = new LineSplitter((line) => {
      if (keepLine && !keepLine(line)) return;
      // Filtered output is written line by line; unfiltered output went to the log as it came.
      if (keepLine) log.write(`${line}\n`);
      options.onLine?.(line);
    });
    stream.on('data', (chunk: Buffer) => {
      if (!keepLine) log.write(chunk);
      splitter.push(chunk);
    });
    stream.on('end', () => splitter.end());
  }
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => log.end(() => resolve({ code, signal })));
  });
  return { rank: options.rank, child, logPath: options.logPath, exited };
}
