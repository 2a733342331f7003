import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { configToEnv, type ResolvedConfig } from '../config/resolve.js';
import type { FabricConfig } from '../config/schema.js';
import { unsupportedSettingMessage } from '../config/unsupported.js';
import type { DetectedEnvironment } from '../environments/environment.js';
import { detectEnvironment, validateAgainstFlags } from '../environments/registry.js';
import { FabricUserError } from '../errors.js';
import { hasCompleteCheckpoint, sha256File, type CheckpointInfo } from '../run-dir/checkpoints.js';
import { createRunDir, writeRunInfo, type ResumeRecord, type RunInfo, type RunPaths } from '../run-dir/run-dir.js';
import { autoDeviceCount, describeAutoDevices } from './auto-devices.js';
import { assertCudaReady } from './cuda-preflight.js';
import { cudaDevicesForRanks } from './gpu-assignment.js';
import { predictRankEngine, type PredictedEngine } from '../accelerators/predict-engine.js';
import { quietTensorflowEnv, tensorflowNoiseFilter } from './tensorflow-noise.js';
import { planThreadBudget } from './thread-budget.js';
import { assertPortFree, pickFreePort } from './ports.js';
import type { RunObserver } from './observer.js';
import { RunSupervisor } from './supervisor.js';

export interface LaunchOptions {
  script: string;
  scriptArgs: string[];
  resolved: ResolvedConfig;
  command: string[];
  cwd: string;
  versions: Record<string, string>;
  /** Shows the run: plain lines or the dashboard. */
  observer: RunObserver;
  /** Called with the supervisor once ranks start (the dashboard's `q` key interrupts through it). */
  onSupervisor?: (supervisor: RunSupervisor) => void;
  /** The launcher's environment (FABRIC_TOKEN is read from it). */
  env?: NodeJS.ProcessEnv;
  /** `fabric resume`: continue this run in its own directory from the checkpoint (ranks get FABRIC_RESUME_PATH). */
  resume?: ResumeLaunch;
}

export interface ResumeLaunch {
  checkpoint: CheckpointInfo;
  run: RunPaths;
  /** run.json as the run left it. */
  previous: RunInfo;
  /** Config keys the resume changed (recorded in run.json). */
  overrides: Record<string, unknown>;
}

export interface LaunchResult {
  exitCode: number;
  run: RunPaths;
}

export function devicesCount(devices: FabricConfig['devices']): number {
  return Array.isArray(devices) ? devices.length : devices === 'auto' ? 1 : devices;
}

/** Runs a training script: makes the run dir, starts this node's ranks, relays their output, records the outcome. */
export async function launchRun(options: LaunchOptions): Promise<LaunchResult> {
  const env = options.env ?? process.env;
  const { config, sources } = options.resolved;
  const script = path.resolve(options.cwd, options.script);
  if (!fs.existsSync(script) || !fs.statSync(script).isFile()) {
    throw new FabricUserError(`Training script '${options.script}' was not found (looked at ${script}). Pass the path of a .ts or .js file that exports \`train(fabric, args)\`.`);
  }
  const given = (key: keyof FabricConfig) => sources[key].source !== 'default';
  const target = predictRankEngine(config.accelerator, env);
  assertCudaReady(target, env);
  const cluster = detectEnvironment(env, {
    mainAddress: given('mainAddress') ? config.mainAddress : undefined,
    mainPort: given('mainPort') && config.mainPort !== 'auto' ? config.mainPort : undefined,
  });
  const layout = cluster.externallyLaunched ? externalLayout(cluster, config, given) : localLayout(config, given('devices'), target);
  const { devices, worldSize, firstRank, nodeRank } = layout;
  // Settings no rank could run: refused here, before any rank or run directory exists, with the rank's own message.
  const unsupported = unsupportedSettingMessage(config, worldSize);
  if (unsupported) throw new FabricUserError(unsupported);
  const mainPort = worldSize > 1 ? (layout.mainPort ?? (await resolveMainPort(config, sources.mainPort.origin))) : undefined;
  if (cluster.externallyLaunched && cluster.globalRank === 0 && mainPort !== undefined) await assertPortFree(cluster.mainAddress, mainPort, sources.mainPort.origin);
  // One rank needs no token, but a --token-file the user named must still exist: better now than when they scale up.
  if (worldSize === 1 && config.tokenFile && !config.insecure) resolveToken(config, {}, false);
  const token = worldSize > 1 ? resolveToken(config, env, cluster.externallyLaunched) : undefined;
  if (worldSize > 1 && config.insecure) options.observer.notice('tfjs-fabric: warning: --insecure: connections between ranks are not authenticated; anyone who can reach the ports can join or disturb this run.');

  const resume = options.resume;
  const run = resume ? resume.run : createRunDir(path.resolve(options.cwd, config.rootDir), config.name);
  const startTime = new Date().toISOString();
  const scriptSha256 = sha256File(script);
  const current = {
    scriptArgs: options.scriptArgs,
    config: { ...config, mainPort: mainPort ?? config.mainPort },
    configSources: sources,
    versions: options.versions,
    worldSize,
    status: 'running' as const,
    scriptSha256,
  };
  // A resume keeps the run's first command and start time, and adds itself to the run's list of resumes.
  const resumeRecord: ResumeRecord | undefined = resume && {
    command: options.command,
    checkpoint: resume.checkpoint.dir,
    step: resume.checkpoint.fabric.globalStep ?? null,
    overrides: resume.overrides,
    startTime,
    status: 'running',
  };
  const info: RunInfo = resume
    ? { ...resume.previous, ...current, exitCode: undefined, failedRank: undefined, endTime: undefined, resumes: [...(resume.previous.resumes ?? []), resumeRecord!] }
    : { command: options.command, script, ...current, startTime, cwd: options.cwd };
  writeRunInfo(run, info);
  if (cluster.externallyLaunched) options.observer.notice(`tfjs-fabric: rank ${cluster.globalRank} of ${worldSize}, started by ${cluster.launchedBy}`);
  if (!cluster.externallyLaunched && given('devices') && config.devices === 'auto') options.observer.notice(describeAutoDevices(target, devices));
  const threads = planThreadBudget({
    engine: target.engine,
    // Under srun/mpirun this process runs one rank, but its node holds perNode of them.
    localRanks: cluster.externallyLaunched ? (cluster.counts.perNode?.value ?? 1) : devices,
    cores: os.availableParallelism(),
    threadsPerRank: config.threadsPerRank,
    threadsOrigin: given('threadsPerRank') ? sources.threadsPerRank.origin : undefined,
    env,
  });
  for (const notice of threads.notices) options.observer.notice(notice);

  const baseEnv = {
    ...rankBaseEnv(options, env, script, run, worldSize, mainPort, token, { nodeRank, mainAddress: cluster.externallyLaunched ? cluster.mainAddress : config.mainAddress }),
    ...threads.env,
    ...quietTensorflowEnv(config.verbose, env),
    FABRIC_SCRIPT_SHA256: scriptSha256,
  };
  const keepLine = tensorflowNoiseFilter(config.verbose, baseEnv);
  const locals = Array.from({ length: devices }, (_, offset) => layout.firstLocalRank + offset);
  // Each rank sees only its own GPU, numbered from the --devices list.
  const gpus = target.accelerator === 'cuda' ? cudaDevicesForRanks(config.devices, locals, env.CUDA_VISIBLE_DEVICES, sources.devices.origin) : undefined;
  const ranks = locals.map((local, offset) => {
    const rank = firstRank + offset;
    const rankEnv: NodeJS.ProcessEnv = { ...baseEnv, RANK: String(rank), LOCAL_RANK: String(local) };
    if (gpus) rankEnv.CUDA_VISIBLE_DEVICES = gpus[offset];
    return { rank, env: rankEnv, logPath: run.rankLog(rank), keepLine };
  });
  const logPaths = Object.fromEntries(ranks.map((r) => [r.rank, r.logPath]));
  options.observer.runStarted({ runDir: run.dir, script, worldSize, localRanks: ranks.map((r) => r.rank), liveRank: firstRank, config: info.config, startTime: Date.parse(startTime), logPaths });
  const supervisor = new RunSupervisor({ ranks, cwd: options.cwd, liveRank: firstRank, observer: options.observer, progressPath: run.progress, stallTimeoutSec: config.stallTimeout });
  options.onSupervisor?.(supervisor);
  const result = await supervisor.run();
  const status: RunInfo['status'] = result.exitCode === 0 ? 'finished' : result.interrupted ? 'interrupted' : 'failed';
  const endTime = new Date().toISOString();
  const ended = { status, exitCode: result.exitCode };
  const resumes = resumeRecord ? [...info.resumes!.slice(0, -1), { ...resumeRecord, ...ended, endTime }] : info.resumes;
  writeRunInfo(run, { ...info, ...ended, failedRank: result.failedRank, endTime, resumes });
  options.observer.runEnded({
    exitCode: result.exitCode,
    status,
    failedRank: result.failedRank,
    seconds: (Date.now() - Date.parse(startTime)) / 1000,
    runDir: run.dir,
    metricsCsv: run.metricsCsv,
    checkpoints: run.checkpoints,
    checkpointCount: fs.readdirSync(run.checkpoints).length,
    resumable: status !== 'finished' && hasCompleteCheckpoint(run),
    logPaths,
  });
  return { exitCode: result.exitCode, run };
}

interface RankLayout {
  /** Ranks this launcher starts. */
  devices: number;
  worldSize: number;
  firstRank: number;
  firstLocalRank: number;
  nodeRank: number;
  mainPort?: number;
}

/** Our own launcher: `devices` ranks on this node, numbered after the nodes before it. Unset devices: one rank; `auto` asked for: see autoDeviceCount. */
function localLayout(config: FabricConfig, devicesGiven: boolean, target: PredictedEngine): RankLayout {
  const devices = devicesGiven && config.devices === 'auto' ? autoDeviceCount(target) : devicesCount(config.devices);
  return { devices, worldSize: devices * config.numNodes, firstRank: config.nodeRank * devices, firstLocalRank: 0, nodeRank: config.nodeRank };
}

/** srun, mpirun, torchrun...: the cluster started this process as one rank; run just that one, after checking the flags agree. */
function externalLayout(cluster: DetectedEnvironment, config: FabricConfig, given: (key: keyof FabricConfig) => boolean): RankLayout {
  validateAgainstFlags(cluster, {
    // `auto` under a cluster launcher means whatever it started.
    devices: given('devices') && config.devices !== 'auto' ? devicesCount(config.devices) : (cluster.counts.perNode?.value ?? devicesCount(config.devices)),
    numNodes: given('numNodes') ? config.numNodes : (cluster.counts.nodes?.value ?? config.numNodes),
  });
  return { devices: 1, worldSize: cluster.worldSize, firstRank: cluster.globalRank, firstLocalRank: cluster.localRank, nodeRank: cluster.nodeRank, mainPort: cluster.mainPort };
}

/** Rank 0's node hosts the rendezvous: a given port must be free there; other nodes must be told the port. */
async function resolveMainPort(config: FabricConfig, origin: string): Promise<number> {
  if (config.mainPort === 'auto') {
    if (config.numNodes > 1) {
      throw new FabricUserError(`A run on ${config.numNodes} nodes needs --main-port: every node must know where rank 0 listens. Pass the same --main-port (e.g. 29500) and --main-address to every node.`);
    }
    return pickFreePort(config.mainAddress);
  }
  if (config.nodeRank === 0) await assertPortFree(config.mainAddress, config.mainPort, origin);
  return config.mainPort;
}

/** The shared secret of the run: from FABRIC_TOKEN or --token-file, made up on a single node, refused to be absent across nodes. */
function resolveToken(config: FabricConfig, env: NodeJS.ProcessEnv, external: boolean): string {
  if (config.insecure) return '';
  if (env.FABRIC_TOKEN) return env.FABRIC_TOKEN;
  if (config.tokenFile) {
    try {
      const token = fs.readFileSync(config.tokenFile, 'utf8').trim();
      if (token) return token;
    } catch (error) {
      throw new FabricUserError(`Could not read the token file '${config.tokenFile}' (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}). Create it with \`openssl rand -hex 32 > ${config.tokenFile}\` and copy it to every node.`);
    }
    throw new FabricUserError(`The token file '${config.tokenFile}' is empty. Put a secret in it, e.g. \`openssl rand -hex 32 > ${config.tokenFile}\`.`);
  }
  if (config.numNodes > 1 || external) {
    throw new FabricUserError(
      `${external ? 'Ranks started by an external launcher (srun, mpirun, torchrun) each run their own fabric CLI, so they need' : 'A multi-node run needs'} a shared secret` +
        ' so that only your ranks can join: create one with `openssl rand -hex 32 > fabric.token`, copy it to every node and pass --token-file=fabric.token (or set FABRIC_TOKEN to the same value everywhere). On a network you fully trust, --insecure turns authentication off.',
    );
  }
  return randomBytes(32).toString('hex');
}

function rankBaseEnv(
  options: LaunchOptions,
  env: NodeJS.ProcessEnv,
  script: string,
  run: RunPaths,
  worldSize: number,
  mainPort: number | undefined,
  token: string | undefined,
  where: { nodeRank: number; mainAddress: string },
): NodeJS.ProcessEnv {
  const { config, sources } = options.resolved;
  // Only what the user set travels as FABRIC_*: defaults must not look like command-line choices to `new Fabric({...})`.
  const explicit = Object.fromEntries(Object.entries(config).filter(([key]) => sources[key as keyof FabricConfig]?.source !== 'default'));
  const origins = Object.fromEntries(Object.keys(explicit).map((key) => [key, sources[key as keyof FabricConfig].origin]));
  return {
    ...env,
    ...configToEnv(explicit as Partial<FabricConfig>),
    FABRIC_CLI: '1',
    FABRIC_LAUNCHED_BY: 'fabric',
    FABRIC_CONFIG_ORIGINS: JSON.stringify(origins),
    FABRIC_RUN_DIR: run.dir,
    FABRIC_SCRIPT: script,
    FABRIC_RESUME_PATH: options.resume?.checkpoint.dir ?? '',
    FABRIC_SCRIPT_ARGS: JSON.stringify(options.scriptArgs),
    FABRIC_SEED: config.seed === null ? '' : String(config.seed),
    FABRIC_TOKEN: token ?? '',
    FABRIC_INSECURE: config.insecure ? '1' : '0',
    WORLD_SIZE: String(worldSize),
    NODE_RANK: String(where.nodeRank),
    MASTER_ADDR: where.mainAddress,
    MASTER_PORT: mainPort === undefined ? '' : String(mainPort),
  };
}
