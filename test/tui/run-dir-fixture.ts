/** Writes run directories by hand (run.json, progress.jsonl, rank logs) for tests of `fabric logs` and its parts. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { appendProgress, type ProgressRecord } from '../../src/run-dir/progress-log.js';
import { createRunDir, writeRunInfo, type RunInfo, type RunPaths } from '../../src/run-dir/run-dir.js';

export const START = Date.parse('2025-03-01T10:00:00.000Z');

export function makeRun(root: string, options: { name?: string; worldSize?: number; status?: RunInfo['status']; exitCode?: number; seconds?: number } = {}): RunPaths {
  const paths = createRunDir(root, options.name ?? 'fabric');
  const worldSize = options.worldSize ?? 2;
  for (let rank = 0; rank < worldSize; rank++) fs.writeFileSync(paths.rankLog(rank), '');
  setStatus(paths, options.status ?? 'running', options.exitCode, options.seconds, worldSize);
  return paths;
}

export function setStatus(paths: RunPaths, status: RunInfo['status'], exitCode?: number, seconds = 12, worldSize = 2): void {
  writeRunInfo(paths, {
    command: ['fabric', 'run', 'model', 'train.ts'],
    script: path.join(path.dirname(path.dirname(paths.dir)), 'train.ts'),
    scriptArgs: [],
    config: { accelerator: 'cpu', strategy: 'ddp', precision: '32-true', progressInterval: 0 },
    versions: {},
    worldSize,
    startTime: new Date(START).toISOString(),
    ...(status === 'running' ? {} : { endTime: new Date(START + seconds * 1000).toISOString(), exitCode: exitCode ?? (status === 'finished' ? 0 : 1) }),
    status,
    cwd: '/',
  });
}

export function progress(paths: RunPaths, rank: number, step: number, metrics: Record<string, number>, kind: ProgressRecord['kind'] = 'progress'): void {
  appendProgress(paths.progress, { kind, rank, step, time: START + step * 100, metrics, ...(kind === 'progress' ? { stepsPerSecond: 10 } : {}) });
}

export function log(paths: RunPaths, rank: number, ...lines: string[]): void {
  fs.appendFileSync(paths.rankLog(rank), lines.map((l) => `${l}\n`).join(''));
}

/** Two ranks trained to step `steps`, losses falling; rank 0 prints a line per progress record. */
export function trainedRun(root: string, steps = 5, options: { name?: string } = {}): RunPaths {
  const paths = makeRun(root, options);
  for (let step = 1; step <= steps; step++) {
    for (const rank of [0, 1]) progress(paths, rank, step, { loss: 1 / step + rank });
    log(paths, 0, `step ${step} done`);
  }
  return paths;
}
