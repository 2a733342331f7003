import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configToEnv, type ResolvedConfig } from '../config/resolve.js';
import type { FabricConfig } from '../config/schema.js';
import { FabricUserError } from '../errors.js';
import { appendProgress } from '../run-dir/progress-log.js';
import { createRunDir, writeRunInfo, type RunInfo, type RunPaths } from '../run-dir/run-dir.js';
import { formatProgressLine, prefixRank } from '../tui/plain.js';
import type { RankMessage } from './messages.js';
import { spawnRank } from './spawn-rank.js';

export interface LaunchOptions {
  script: string;
  scriptArgs: string[];
  resolved: ResolvedConfig;
  command: string[];
  cwd: string;
  versions: Record<string, string>;
  /** Where rank output and progress lines go (the terminal). */
  print: (line: string) => void;
}

export interface LaunchResult {
  exitCode: number;
  run: RunPaths;
}

export function devicesCount(devices: FabricConfig['devices']): number {
  return Array.isArray(devices) ? devices.length : devices === 'auto' ? 1 : devices;
}

/** Runs a training script: makes the run dir, starts the rank, relays its output and progress, records the outcome. */
export async function launchRun(options: LaunchOptions): Promise<LaunchResult> {
  const { config } = options.resolved;
  const script = path.resolve(options.cwd, options.script);
  if (!fs.existsSync(script) || !fs.statSync(script).isFile()) {
    throw new FabricUserError(`Training script '${options.script}' was not found (looked at ${script}). Pass the path of a .ts or .js file that exports \`train(fabric, args)\`.`);
  }
  const worldSize = devicesCount(config.devices) * config.numNodes;
  if (worldSize > 1) {
    throw new FabricUserError(
      `--devices=${JSON.stringify(config.devices)} with --num-nodes=${config.numNodes} asks for ${worldSize} ranks, but this version of tfjs-fabric launches one rank per run. Use --devices=1.`,
    );
  }
  const run = createRunDir(path.resolve(options.cwd, config.rootDir), config.name);
  const info: RunInfo = {
    command: options.command,
    script,
    scriptArgs: options.scriptArgs,
    config: { ...config },
    configSources: options.resolved.sources,
    versions: options.versions,
    worldSize,
    startTime: new Date().toISOString(),
    status: 'running',
    cwd: options.cwd,
  };
  writeRunInfo(run, info);
  const shown = (p: string) => (path.relative(options.cwd, p).startsWith('..') ? p : path.relative(options.cwd, p));
  options.print(`tfjs-fabric: run directory ${shown(run.dir)}`);

  const rank = spawnRank({ rank: 0, env: rankEnv(options, script, run, worldSize), logPath: run.rankLog(0), cwd: options.cwd, echo: options.print });
  const stopForwarding = forwardSignals(rank.child);
  let lastLine = 0;
  rank.child.on('message', (message: RankMessage) => {
    if (message.type === 'start') {
      options.print(prefixRank(message.rank, `started on backend '${message.backend}'`));
      return;
    }
    appendProgress(run.progress, { kind: message.type, rank: message.rank, step: message.step, time: message.time, metrics: message.metrics, ...(message.type === 'progress' ? { stepsPerSecond: message.stepsPerSecond } : {}) });
    const due = Date.now() - lastLine >= config.progressInterval * 1000;
    if (message.type === 'end' || due) {
      options.print(formatProgressLine(message.rank, message.step, message.metrics, message.type === 'progress' ? message.stepsPerSecond : undefined));
      lastLine = Date.now();
    }
  });
  const { code, signal } = await rank.exited;
  stopForwarding();
  const exitCode = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
  const status: RunInfo['status'] = exitCode === 0 ? 'finished' : signal || exitCode === 130 || exitCode === 143 ? 'interrupted' : 'failed';
  writeRunInfo(run, { ...info, status, exitCode, endTime: new Date().toISOString() });
  if (exitCode === 0) {
    const seconds = ((Date.now() - Date.parse(info.startTime)) / 1000).toFixed(1);
    const checkpoints = fs.readdirSync(run.checkpoints).length;
    options.print(`tfjs-fabric: finished in ${seconds} s. Metrics: ${shown(run.metricsCsv)}  Checkpoints: ${shown(run.checkpoints)} (${checkpoints})  Log: ${shown(run.rankLog(0))}`);
  } else {
    options.print(prefixRank(0, `exited with code ${exitCode}${signal ? ` (${signal})` : ''}. Full log: ${shown(run.rankLog(0))}`));
  }
  return { exitCode, run };
}

function rankEnv(options: LaunchOptions, script: string, run: RunPaths, worldSize: number): NodeJS.ProcessEnv {
  const { config, sources } = options.resolved;
  // Only what the user set travels as FABRIC_*: defaults must not look like command-line choices to `new Fabric({...})`.
  const explicit = Object.fromEntries(Object.entries(config).filter(([key]) => sources[key as keyof FabricConfig]?.source !== 'default'));
  const origins = Object.fromEntries(Object.keys(explicit).map((key) => [key, sources[key as keyof FabricConfig].origin]));
  return {
    ...process.env,
    ...configToEnv(explicit as Partial<FabricConfig>),
    FABRIC_CLI: '1',
    FABRIC_CONFIG_ORIGINS: JSON.stringify(origins),
    FABRIC_RUN_DIR: run.dir,
    FABRIC_SCRIPT: script,
    FABRIC_SCRIPT_ARGS: JSON.stringify(options.scriptArgs),
    FABRIC_SEED: config.seed === null ? '' : String(config.seed),
    FABRIC_TOKEN: randomBytes(32).toString('hex'),
    WORLD_SIZE: String(worldSize),
    RANK: '0',
    LOCAL_RANK: '0',
    NODE_RANK: String(config.nodeRank),
    MASTER_ADDR: config.mainAddress,
    MASTER_PORT: config.mainPort === 'auto' ? '' : String(config.mainPort),
  };
}

/** First Ctrl+C / SIGTERM: pass it on so the rank stops gracefully; a second one force-kills it. */
function forwardSignals(child: import('node:child_process').ChildProcess): () => void {
  let received = 0;
  const handler = (signal: NodeJS.Signals) => {
    received++;
    if (received === 1) child.kill(signal);
    else child.kill('SIGKILL');
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.on(s, handler);
  return () => {
    for (const s of signals) process.off(s, handler);
  };
}
