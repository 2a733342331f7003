import { Args, Command, Flags } from '@oclif/core';
import { fabricFlagsAfterScript, flagsAfterScriptWarning, splitAtScript, typedFlagNames } from '../../src/cli/split-argv.js';
import { runVersions } from '../../src/cli/versions.js';
import { listPresets, presetFile } from '../../src/config/presets.js';
import { presetOverrideWarnings, resolveConfig } from '../../src/config/resolve.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey } from '../../src/config/schema.js';
import { didYouMean } from '../../src/config/suggest.js';
import { isFabricUserError } from '../../src/errors.js';
import { launchRun } from '../../src/launcher/launch-run.js';
import { chooseRunObserver } from '../../src/tui/choose-observer.js';

/** One string flag per config key, generated from the schema so help, YAML and env never disagree. */
export const configFlags = Object.fromEntries(
  CONFIG_KEYS.map((key) => {
    const spec = CONFIG_SCHEMA[key];
    const description = `${spec.description} [env: ${spec.env}] [default: ${String(spec.default)}]`;
    if (spec.rule.kind === 'boolean') return [spec.flag, Flags.boolean({ description, helpGroup: 'FABRIC', default: undefined })];
    return [spec.flag, Flags.string({ description, helpValue: spec.valueHint, helpGroup: 'FABRIC' })];
  }),
);

export default class RunModel extends Command {
  static override summary = 'Run a TypeScript training script that exports train(fabric, args).';
  static override description = `Loads <script> directly (no build step), builds Fabric from flags, FABRIC_* environment variables, --config, ./fabric.config.yaml, --preset and defaults (in that order of priority), starts the rank as a child process and shows its progress. Fabric's flags go before the script path; everything after it is passed to the script untouched (a "--" right after the script path is dropped). Each run gets its own directory <root-dir>/<name>/version_<N>/ with run.json, rank_0.log, metrics.csv and checkpoints/.`;
  static override examples = [
    { description: 'Train the two-spirals demo on the default CPU backend', command: '<%= config.bin %> run model templates/mlp/train.ts' },
    { description: 'Fix the seed and name the run', command: '<%= config.bin %> run model --seed=42 --name=spirals templates/mlp/train.ts' },
    { description: 'Pass arguments to the script (after the script path)', command: '<%= config.bin %> run model templates/mlp/train.ts -- --epochs 10 --lr 0.02' },
    { description: 'Use settings from a YAML file, overriding one of them', command: '<%= config.bin %> run model --config templates/mlp/fabric.config.yaml --seed=7 templates/mlp/train.ts' },
    { description: 'Two ranks on this machine, data parallel', command: '<%= config.bin %> run model --devices=2 --strategy=ddp templates/mlp/train.ts' },
    { description: 'Start from a shipped preset (configs/ddp-cpu.yaml); flags still override it', command: '<%= config.bin %> run model --preset ddp-cpu templates/mlp/train.ts' },
  ];
  static override strict = false;
  static override args = {
    script: Args.string({ description: 'Path of the training script (.ts or .js).', required: false }),
  };
  static override flags = {
    config: Flags.string({ description: 'YAML file with Fabric settings (flags and FABRIC_* env override it).', helpValue: '<file.yaml>', helpGroup: 'FABRIC' }),
    preset: Flags.string({
      description: `Shipped preset configs/<name>.yaml (${listPresets().join(', ')}); every other source overrides it.`,
      helpValue: '<name>',
      helpGroup: 'FABRIC',
    }),
    ...configFlags,
    tui: Flags.boolean({
      description: 'Show the live dashboard (the default when stdout is a terminal and CI is not set); --no-tui prints plain lines.',
      allowNo: true,
      default: undefined,
      helpGroup: 'OUTPUT',
    }),
  };

  /** oclif answers a wrong flag with the whole usage; we answer with one paragraph and a suggestion. */
  private parseErrorInOneParagraph(error: unknown, known: Set<string>): unknown {
    const unknownFlags = (error as { flags?: unknown }).flags;
    if (!Array.isArray(unknownFlags)) return error;
    const names = [...known, 'tui', 'no-tui', ...CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].rule.kind === 'boolean').map((k) => CONFIG_SCHEMA[k].flag)];
    const hints = unknownFlags.map((flag: string) => {
      const guess = didYouMean(flag.replace(/^-+/, '').split('=')[0], names);
      return guess ? ` Did you mean --${guess}?` : '';
    });
    const message = `Unknown flag ${unknownFlags.join(', ')} for \`fabric run model\`.${hints.join('')} Fabric's flags go before the script path (everything after it goes to your script); \`fabric run model --help\` lists them.`;
    try {
      this.error(message, { exit: 2 });
    } catch (oneParagraph) {
      return oneParagraph;
    }
    return error;
  }

  async run(): Promise<void> {
    const valueFlags = new Set(['config', 'preset', ...CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].rule.kind !== 'boolean').map((k) => CONFIG_SCHEMA[k].flag)]);
    const { fabricArgv, script, scriptArgs } = splitAtScript(this.argv, valueFlags);
    // Before parse: oclif's parse replaces this.argv with the argv it was given.
    const misplaced = fabricFlagsAfterScript(this.argv, valueFlags, typedFlagNames(RunModel.flags));
    const { flags } = await this.parse(RunModel, [...fabricArgv, ...(script ? [script] : [])]).catch((error: unknown) => {
      throw this.parseErrorInOneParagraph(error, valueFlags);
    });
    if (!script) {
      this.error('No training script given. Pass the path of a TypeScript file that exports `train(fabric, args)`, e.g. `fabric run model train.ts`. See `fabric run model --help`.', { exit: 2 });
    }
    if (misplaced.length > 0) process.stderr.write(`${flagsAfterScriptWarning(misplaced, `fabric ${this.id?.replaceAll(':', ' ') ?? 'run model'}`, script, 'the script path')}\n`);
    try {
      const given: Partial<Record<ConfigKey, unknown>> = {};
      for (const key of CONFIG_KEYS) {
        const value = (flags as Record<string, string | boolean | undefined>)[CONFIG_SCHEMA[key].flag];
        if (value !== undefined) given[key] = value;
      }
      const resolved = resolveConfig({ flags: given, env: process.env, configFile: flags.config, presetFile: flags.preset === undefined ? undefined : presetFile(flags.preset), cwd: process.cwd() });
      if (flags.preset !== undefined) {
        for (const line of presetOverrideWarnings(flags.preset, resolved.presetOverrides ?? [])) process.stderr.write(`${line}\n`);
      }
      const { observer, onSupervisor, close } = await chooseRunObserver({ tui: flags.tui, progressInterval: resolved.config.progressInterval });
      const { exitCode } = await launchRun({
        script,
        scriptArgs,
        resolved,
        command: ['fabric', 'run', 'model', ...this.argv],
        cwd: process.cwd(),
        versions: runVersions(this.config.version),
        observer,
        onSupervisor,
      }).finally(close);
      if (exitCode !== 0) this.exit(exitCode);
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
