/**
 * Merges the config layers. Priority, highest first:
 *   1. command-line flags          (`--num-nodes=2`)
 *   2. environment variables       (`FABRIC_NUM_NODES=2`; only keys in the schema)
 *   3. the file given with --config
 *   4. `./fabric.config.yaml` in the working directory, when present
 *   5. a shipped preset (`--preset ddp-cpu` -> configs/ddp-cpu.yaml)
 *   6. defaults (`DEFAULT_CONFIG`)
 * Every resolved key remembers which layer set it, so errors and `run.json` can say so.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, isAbsolute, join, relative, resolve as resolvePath } from 'node:path';
import { readYamlConfigFile } from './load-yaml.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, DEFAULT_CONFIG, type ConfigKey, type FabricConfig } from './schema.js';
import {
  normalizeConfigKey,
  unknownConfigKeyError,
  validateConfigCombination,
  validateConfigValue,
} from './validate.js';

export type ConfigSource = 'flag' | 'env' | 'config-file' | 'project-config' | 'preset' | 'default';

export interface ResolvedConfig {
  config: FabricConfig;
  /** origin: '--precision', 'FABRIC_PRECISION', 'configs/x.yaml:4:1', './fabric.config.yaml:2:1' or 'default'. */
  sources: Record<ConfigKey, { source: ConfigSource; origin: string }>;
  /** Keys the preset sets to a value that a higher layer replaced; see `presetOverrideWarnings`. Absent: no preset. */
  presetOverrides?: PresetOverride[];
}

/** A preset value that lost to a higher layer, in the text form flags take. */
export interface PresetOverride {
  key: ConfigKey;
  presetValue: string;
  value: string;
  source: ConfigSource;
  origin: string;
}

export interface ResolveConfigInput {
  /** Parsed flags by camelCase key; undefined means "not given". */
  flags: Partial<Record<ConfigKey, unknown>>;
  env: NodeJS.ProcessEnv;
  /** The --config path, relative to `cwd` unless absolute. */
  configFile?: string;
  /** A shipped preset's file (see `presetFile`); the lowest-priority file layer. */
  presetFile?: string;
  cwd: string;
}

export const PROJECT_CONFIG_FILE = 'fabric.config.yaml';

interface Layer {
  source: ConfigSource;
  values: Partial<FabricConfig>;
  origins: Partial<Record<ConfigKey, string>>;
}

/** Text form of a value as flags and env take it; parses back to the same value. */
export function formatConfigValue(key: ConfigKey, value: FabricConfig[ConfigKey]): string {
  if (value === null) return 'none';
  if (Array.isArray(value)) {
    if (value.length === 0) return 'none';
    // A trailing comma keeps a one-device list ('3,') apart from a device count ('3').
    return key === 'devices' && value.length === 1 ? `${value[0]},` : value.join(',');
  }
  return String(value);
}

/** The env vars that hand `config` to a rank process (`FABRIC_NUM_NODES=2`, ...). */
export function configToEnv(config: Partial<FabricConfig>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const value = config[key];
    if (value !== undefined) env[CONFIG_SCHEMA[key].env] = formatConfigValue(key, value);
  }
  return env;
}

/** Reads the schema's `FABRIC_*` vars; others (FABRIC_RUN_DIR, FABRIC_TOKEN, ...) are not config. */
export function configFromEnv(env: NodeJS.ProcessEnv): { values: Partial<FabricConfig>; origins: Record<string, string> } {
  const values: Partial<FabricConfig> = {};
  const origins: Record<string, string> = {};
  for (const key of CONFIG_KEYS) {
    const name = CONFIG_SCHEMA[key].env;
    const raw = env[name];
    // An empty variable is treated as unset, as shells make `FABRIC_X=` easy to leave behind.
    if (raw === undefined || raw.trim() === '') continue;
    (values as Record<ConfigKey, unknown>)[key] = validateConfigValue(key, raw, name);
    origins[key] = name;
  }
  return { values, origins };
}

function flagLayer(flags: Partial<Record<string, unknown>>): Layer {
  const values: Partial<FabricConfig> = {};
  const origins: Partial<Record<ConfigKey, string>> = {};
  for (const [name, raw] of Object.entries(flags)) {
    if (raw === undefined) continue;
    const key = normalizeConfigKey(name);
    if (key === undefined) throw unknownConfigKeyError(name, 'the command-line flags');
    const origin = `--${CONFIG_SCHEMA[key].flag}`;
    (values as Record<ConfigKey, unknown>)[key] = validateConfigValue(key, raw, origin);
    origins[key] = origin;
  }
  return { source: 'flag', values, origins };
}

/** './fabric.config.yaml' when `file` is under the process cwd, else its absolute path. */
function displayName(file: string): string {
  const fromHere = relative(process.cwd(), file);
  return fromHere.startsWith('..') || isAbsolute(fromHere) ? file : `./${fromHere}`;
}

function isFile(path: string): boolean {
  return existsSync(path) && statSync(path).isFile();
}

export function resolveConfig(input: ResolveConfigInput): ResolvedConfig {
  const layers: Layer[] = []; // lowest priority first
  if (input.presetFile !== undefined) {
    layers.push({ source: 'preset', ...readYamlConfigFile(input.presetFile, { displayPath: `configs/${basename(input.presetFile)}` }) });
  }
  const projectFile = join(input.cwd, PROJECT_CONFIG_FILE);
  const explicitFile = input.configFile === undefined ? undefined : resolvePath(input.cwd, input.configFile);

  // Skip the project file when --config names the same file, so it is not layered twice.
  if (explicitFile !== projectFile && isFile(projectFile)) {
    layers.push({ source: 'project-config', ...readYamlConfigFile(projectFile, { displayPath: displayName(projectFile) }) });
  }
  if (explicitFile !== undefined && input.configFile !== undefined) {
    layers.push({ source: 'config-file', ...readYamlConfigFile(explicitFile, { displayPath: input.configFile }) });
  }
  layers.push({ source: 'env', ...configFromEnv(input.env) });
  layers.push(flagLayer(input.flags));

  const config = {} as Record<ConfigKey, unknown>;
  const sources = {} as ResolvedConfig['sources'];
  for (const key of CONFIG_KEYS) {
    const winner = layers.findLast((layer) => layer.values[key] !== undefined);
    const value = winner === undefined ? DEFAULT_CONFIG[key] : winner.values[key];
    // Copy arrays so callers never share (or mutate) the frozen defaults or a layer's list.
    config[key] = Array.isArray(value) ? [...value] : value;
    sources[key] =
      winner === undefined
        ? { source: 'default', origin: 'default' }
        : { source: winner.source, origin: (winner.origins as Record<string, string>)[key] ?? winner.source };
  }

  const presetLayer = layers.find((layer) => layer.source === 'preset');
  const presetOverrides = presetLayer === undefined ? [] : overriddenPresetValues(presetLayer, config as unknown as FabricConfig, sources);

  const resolved = config as unknown as FabricConfig;
  validateConfigCombination(
    resolved,
    Object.fromEntries(CONFIG_KEYS.map((key) => [key, sources[key].origin])) as Record<ConfigKey, string>,
  );
  return { config: resolved, sources, presetOverrides };
}

/** The preset's keys whose resolved value differs from the preset's (an equal value from above changes nothing). */
function overriddenPresetValues(preset: Layer, config: FabricConfig, sources: ResolvedConfig['sources']): PresetOverride[] {
  const overrides: PresetOverride[] = [];
  for (const key of CONFIG_KEYS) {
    const presetValue = preset.values[key];
    if (presetValue === undefined || sources[key].source === 'preset') continue;
    const presetText = formatConfigValue(key, presetValue as FabricConfig[ConfigKey]);
    const valueText = formatConfigValue(key, config[key]);
    if (presetText === valueText) continue;
    overrides.push({ key, presetValue: presetText, value: valueText, ...sources[key] });
  }
  return overrides;
}

/** How each winning layer is named in a warning: the file or variable, with the layer when the name alone is unclear. */
function layerName(source: ConfigSource, origin: string): string {
  if (source === 'config-file') return `--config ${origin}`;
  return origin;
}

/**
 * One warning line per preset value a higher layer replaced, e.g. `--preset bf16 sets precision: bf16-mixed, but
 * ./fabric.config.yaml:3:1 sets 32-true, which wins (...)`. Without it a project file silently beats the preset.
 */
export function presetOverrideWarnings(presetName: string, overrides: readonly PresetOverride[]): string[] {
  const bare = presetName.endsWith('.yaml') ? presetName.slice(0, -'.yaml'.length) : presetName;
  return overrides.map(
    (override) =>
      `tfjs-fabric: warning: --preset ${bare} sets ${override.key}: ${override.presetValue}, but ${layerName(override.source, override.origin)} sets ${override.value}, which wins (flags > env > --config > ./${PROJECT_CONFIG_FILE} > preset).`,
  );
}
