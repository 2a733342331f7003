/** Runs made of events, shared by the store and component tests. */
import type { RunEndInfo, RunStartInfo } from '../../src/launcher/observer.js';
import { initialRunState, reduceRun, type RunEvent, type RunState } from '../../src/tui/run-store.js';

export const T0 = 1_700_000_000_000;
export const RUN_DIR = '/runs/demo/version_2';

export function startInfo(overrides: Partial<RunStartInfo> = {}): RunStartInfo {
  return {
    runDir: RUN_DIR,
    script: '/work/train.ts',
    worldSize: 2,
    localRanks: [0, 1],
    liveRank: 0,
    config: { accelerator: 'cpu', strategy: 'ddp', precision: 'bf16-mixed' },
    startTime: T0,
    logPaths: { 0: `${RUN_DIR}/rank_0.log`, 1: `${RUN_DIR}/rank_1.log` },
    ...overrides,
  };
}

export function endInfo(overrides: Partial<RunEndInfo> = {}): RunEndInfo {
  return {
    exitCode: 0,
    status: 'finished',
    seconds: 75,
    runDir: RUN_DIR,
    metricsCsv: `${RUN_DIR}/metrics.csv`,
    checkpoints: `${RUN_DIR}/checkpoints`,
    checkpointCount: 2,
    logPaths: { 0: `${RUN_DIR}/rank_0.log`, 1: `${RUN_DIR}/rank_1.log` },
    ...overrides,
  };
}

export function replay(events: RunEvent[], from: RunState = initialRunState()): RunState {
  return events.reduce(reduceRun, from);
}

/** Both ranks start, then report `steps` progress messages (loss falling, acc rising) and heartbeats. */
export function trainingEvents(steps: number, ranks = [0, 1]): RunEvent[] {
  const events: RunEvent[] = [{ type: 'started', info: startInfo({ localRanks: ranks, worldSize: ranks.length }) }];
  for (const rank of ranks) events.push({ type: 'message', at: T0 + 500, message: { type: 'start', rank, backend: 'wasm', time: T0 + 500 } });
  for (let i = 1; i <= steps; i++) {
    for (const rank of ranks) {
      const at = T0 + 1000 + i * 100;
      events.push({ type: 'message', at, message: { type: 'progress', rank, step: i * 10, time: at, metrics: { loss: 2 / i, acc: 1 - 1 / (i + 1) }, stepsPerSecond: 100 + i } });
      events.push({ type: 'message', at, message: { type: 'heartbeat', rank, step: i * 10, time: at, rssBytes: 200 * 1024 * 1024, tfjsBytes: 3 * 1024 * 1024 } });
    }
  }
  return events;
}
