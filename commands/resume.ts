import * as fs from 'node:fs';
import * as path from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { fabricFlagsAfterScript, flagsAfterScriptWarning, splitAtScript, typedFlagNames } from '../src/cli/split-argv.js';
import { runVersions } from '../src/cli/versions.js';
import { resolveConfig, type ResolvedConfig } from '../src/config/resolve.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type FabricConfig } from '../src/config/schema.js';
import { FabricUserError, isFabricUserError } from '../src/errors.js';
import { launchRun } from '../src/launcher/launch-run.js';
import { resolveResumeTarget, sha256File } from '../src/run-dir/checkpoints.js';
import { findLatestRun, readRunInfo, type RunInfo } from '../src/run-dir/run-dir.js';
import { chooseRunObserver } from '../src/tui/choose-observer.js';
import { shownPath } from '../src/tui/format.js';
import { configFlags } from './run/model.js';

/** Sources that mean "the person running `fabric resume` chose this now"; they override what run.json recorded. */
const RESUME_OVERRIDES = new Set(['flag', 'env', 'config-file']);
/** The run keeps its directory, so these cannot change on resume. */
const FIXED_BY_RUN_DIR: ConfigKey[] = ['name', 'rootDir'];

/**
 * The config of a resumed run: run.json's values, except what was given now (flags, FABRIC_* env, --config).
 * Keys the first run left at their default take today's default (a port picked then may be taken now).
 */
export function mergeResumeConfig(previous: RunInfo, now: ResolvedConfig): { resolved: ResolvedConfig; overrides: Partial<FabricConfig> } {
  const recorded = previous.config as Partial<FabricConfig>;
  const recordedSources = (previous.configSources ?? {}) as Partial<ResolvedConfig['sources']>;
  const config = { ...now.config };
  const sources = { ...now.sources };
  const overrides: Partial<FabricConfig> = {};
  for (const key of CONFIG_KEYS) {
    const given = RESUME_OVERRIDES.has(now.sources[key].source);
    if (given && FIXED_BY_RUN_DIR.includes(key) && !sameFixedSetting(key, recorded[key], previous.cwd, now.config[key])) {
      const flag = `--${CONFIG_SCHEMA[key].flag}`;
      const origin = now.sources[key].origin;
      throw new FabricUserError(`${flag}${origin === flag ? '' : ` (set by ${origin})`} cannot change on resume: the run continues in its own directory, so its metrics and checkpoints stay together. Leave it out, or start a new run with \`fabric run model\`.`);
    }
    if (given) {
      if (JSON.stringify(now.config[key]) !== JSON.stringify(recorded[key])) (overrides as Record<string, unknown>)[key] = now.config[key];
      continue;
    }
    const source = recordedSources[key];
    if (key in recorded && source && source.source !== 'default') {
      (config as Record<string, unknown>)[key] = recorded[key];
      sources[key] = source;
    }
  }
  return { resolved: { config, sources }, overrides };
}

/** Repeating the run's own name or root dir is no change; the root dir may be written relative to another cwd. */
function sameFixedSetting(key: ConfigKey, recorded: unknown, recordedCwd: string, now: unknown): boolean {
  if (JSON.stringify(recorded) === JSON.stringify(now)) return true;
  return key === 'rootDir' && typeof recorded === 'string' && typeof now === 'string' && path.resolve(recordedCwd, recorded) === path.resolve(now);
}

export default class Resume extends Command {
  static override summary = 'Continue a run from a checkpoint, in the same run directory.';
  static override description = `Takes a checkpoint directory (runs/<name>/version_<N>/checkpoints/step_<S>) or a run directory (then its latest checkpoint), reads the run's run.json and starts the same script with the same settings and arguments. Flags given here override the recorded settings (e.g. --devices=2). Arguments after "--" replace the script's arguments. The script sees the checkpoint as fabric.resumePath and restores its state with \`await fabric.load(fabric.resumePath, state)\`; Fabric restores the rest itself (data loader positions, RNG, loss scaler) and the loggers continue metrics.csv and the TensorBoard folder, dropping what was logged after the checkpoint. run.json records each resume under "resumes".`;
  static override examples = [
    { description: 'Continue a run from its latest checkpoint', command: '<%= config.bin %> resume runs/fabric/version_0' },
    { description: 'Continue from one checkpoint', command: '<%= config.bin %> resume runs/fabric/version_0/checkpoints/step_2000' },
    { description: 'Continue on two ranks instead of one', command: '<%= config.bin %> resume --devices=2 --strategy=ddp runs/fabric/version_0' },
    { description: 'Continue with other script arguments (train longer)', command: '<%= config.bin %> resume runs/fabric/version_0 -- --epochs 80' },
  ];
  static override strict = false;
  static override args = {
    target: Args.string({ description: 'Checkpoint directory, run directory, or a run\'s checkpoints/ folder; left out, the latest run under --root-dir (default ./runs).', required: false }),
  };
  static override flags = {
    config: Flags.string({ description: 'YAML file with Fabric settings that override the recorded ones.', helpValue: '<file.yaml>', helpGroup: 'FABRIC' }),
    ...configFlags,
    tui: Flags.boolean({ description: 'Show the live dashboard (default on a terminal); --no-tui prints plain lines.', allowNo: true, default: undefined, helpGroup: 'OUTPUT' }),
  };

  async run(): Promise<void> {
    const valueFlags = new Set(['config', ...CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].rule.kind !== 'boolean').map((k) => CONFIG_SCHEMA[k].flag)]);
    const { fabricArgv, script: target, scriptArgs } = splitAtScript(this.argv, valueFlags);
    // Before parse: oclif's parse replaces this.argv with the argv it was given.
    const misplaced = fabricFlagsAfterScript(this.argv, valueFlags, typedFlagNames(Resume.flags));
    const { flags } = await this.parse(Resume, [...fabricArgv, ...(target ? [target] : [])]);
    if (misplaced.length > 0 && target) process.stderr.write(`${flagsAfterScriptWarning(misplaced, 'fabric resume', target, 'the checkpoint or run directory')}\n`);
    try {
      const given: Partial<Record<ConfigKey, unknown>> = {};
      for (const key of CONFIG_KEYS) {
        const value = (flags as Record<string, string | boolean | undefined>)[CONFIG_SCHEMA[key].flag];
        if (value !== undefined) given[key] = value;
      }
      const now = resolveConfig({ flags: given, env: process.env, configFile: flags.config, cwd: process.cwd() });
      const picked = target ? undefined : this.latestRunDir(now.config.rootDir);
      const { checkpoint, run } = resolveResumeTarget(target ?? picked!);
      const previous = readRunInfo(run);
      if (!fs.existsSync(previous.script)) {
        throw new FabricUserError(`The run's script '${previous.script}' (from ${run.runJson}) no longer exists, so the run cannot be resumed. Put the script back at that path, or start a new run with \`fabric run model <script>\` and load the checkpoint with fabric.load.`);
      }
      this.warnIfScriptChanged(previous.script, checkpoint.fabric.scriptSha256 ?? previous.scriptSha256, checkpoint.dir);
      const cwd = fs.existsSync(previous.cwd) ? previous.cwd : process.cwd();
      const { resolved, overrides } = mergeResumeConfig(previous, now);
      const step = checkpoint.fabric.globalStep;
      const latestNote = picked ? ` (the latest run under ${shownPath(path.resolve(now.config.rootDir))}; pass a run or checkpoint directory to pick another)` : '';
      process.stderr.write(`tfjs-fabric: resuming ${run.dir}${latestNote} from ${checkpoint.dir}${step === undefined ? '' : ` (global step ${step})`}\n`);
      const { observer, onSupervisor, close } = await chooseRunObserver({ tui: flags.tui, progressInterval: resolved.config.progressInterval });
      const { exitCode } = await launchRun({
        script: previous.script,
        scriptArgs: scriptArgs.length > 0 ? scriptArgs : previous.scriptArgs,
        resolved,
        command: ['fabric', 'resume', ...this.argv],
        cwd,
        versions: runVersions(this.config.version),
        observer,
        onSupervisor,
        resume: { checkpoint, run, previous, overrides },
      }).finally(close);
      if (exitCode !== 0) this.exit(exitCode);
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
  }

  /** `fabric resume` with no argument: the newest run directory under the root dir, by modification time like `fabric logs`. */
  private latestRunDir(rootDir: string): string {
    const root = path.resolve(rootDir);
    const latest = findLatestRun(root);
    if (!latest) {
      throw new FabricUserError(`No run to resume: ${shownPath(root)} holds no run directory (<name>/version_<N>). Pass a checkpoint or run directory, e.g. \`fabric resume runs/fabric/version_0\`, or point --root-dir at the folder that holds your runs.`);
    }
    return latest.dir;
  }

  /** A changed script may not fit the checkpoint any more; it is the user's call, so warn and go on. */
  private warnIfScriptChanged(script: string, recorded: string | undefined, checkpointDir: string): void {
    if (!recorded) return;
    const current = sha256File(script);
    if (current === recorded) return;
    process.stderr.write(
      `tfjs-fabric: warning: ${script} changed since checkpoint ${checkpointDir} was written (sha256 ${recorded.slice(0, 12)}... then, ${current.slice(0, 12)}... now). ` +
        `Resuming with the script as it is now; if the model or the loop changed, loading the checkpoint may fail or the run may not continue exactly.\n`,
    );
  }
}
