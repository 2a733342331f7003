/**
 * Every config key Fabric understands, described once as data. The CLI builds its flags and
 * help from `CONFIG_SCHEMA`, the YAML loader and the rank read their keys and env names from it,
 * and `validate.ts` turns each entry's `rule` into parsing and error messages.
 * Kept free of tfjs: the CLI parent process imports this.
 */

export const ACCELERATORS = ['cpu', 'cuda', 'webgpu', 'auto', 'gpu', 'mps', 'tpu'] as const;
export type AcceleratorName = (typeof ACCELERATORS)[number];

export const STRATEGIES = [
  'auto',
  'single_device',
  'ddp',
  'fsdp',
  'zero1',
  'zero2',
  'deepspeed_stage_1',
  'deepspeed_stage_2',
  'deepspeed_stage_3',
  'deepspeed_stage_2_offload',
  'deepspeed_stage_3_offload',
  'deepspeed_stage_3_offload_nvme',
  'fsdp_cpu_offload',
  'dp',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

export const PRECISIONS = [
  '32-true',
  '16-mixed',
  'bf16-mixed',
  '16-true',
  'bf16-true',
  '64-true',
  'transformer-engine',
  'transformer-engine-float16',
] as const;
export type Precision = (typeof PRECISIONS)[number];

/** The short spellings Lightning accepts; a YAML number such as `precision: 16` arrives as '16'. */
export const PRECISION_ALIASES: Readonly<Record<string, Precision>> = Object.freeze({
  '32': '32-true',
  '16': '16-mixed',
  bf16: 'bf16-mixed',
  '64': '64-true',
});

export const LOGGERS = ['csv', 'tensorboard'] as const;
export type LoggerName = (typeof LOGGERS)[number];

export interface FabricConfig {
  /** mps/tpu pass here and are rejected by the accelerator registry, which can explain why. */
  accelerator: AcceleratorName;
  strategy: StrategyName;
  /** A device count, a list of device indices, or 'auto'. */
  devices: number | number[] | 'auto';
  numNodes: number;
  nodeRank: number;
  mainAddress: string;
  mainPort: number | 'auto';
  precision: Precision;
  name: string;
  rootDir: string;
  seed: number | null;
  loggers: LoggerName[];
  flushLogsEveryNSteps: number;
  progressInterval: number;
  /** Seconds without a heartbeat before the launcher reports a rank as stalled. */
  stallTimeout: number;
  /** Seconds a collective may wait for the other ranks before failing. */
  collectiveTimeout: number;
  /** File holding the shared secret that authenticates ranks (multi-node and external launchers). */
  tokenFile: string | null;
  /** Run without authenticating connections between ranks (explicit opt-out). */
  insecure: boolean;
  /** ModelCheckpoint defaults: save every N optimizer steps (null: not by steps). */
  checkpointEveryNSteps: number | null;
  /** ModelCheckpoint defaults: save at the end of every epoch. */
  checkpointEveryEpoch: boolean;
  /** ModelCheckpoint defaults: keep the K newest checkpoints (null: keep all); the best by checkpointMonitor is always kept. */
  checkpointKeepLast: number | null;
  /** ModelCheckpoint defaults: metric that ranks checkpoints (null: none). */
  checkpointMonitor: string | null;
  checkpointMode: CheckpointMode;
  /** TensorFlow threads of each native rank (intra-op and inter-op pools); auto: the node's cores / local ranks. */
  threadsPerRank: number | 'auto';
  /** Keep TensorFlow's load messages and tfjs's banner in rank logs and the dashboard. */
  verbose: boolean;
}

export const CHECKPOINT_MODES = ['min', 'max'] as const;
export type CheckpointMode = (typeof CHECKPOINT_MODES)[number];

export type ConfigKey = keyof FabricConfig;

/** Frozen so a caller that mutates a resolved config cannot change the defaults of the next run. */
export const DEFAULT_CONFIG: FabricConfig = Object.freeze({
  accelerator: 'auto',
  strategy: 'auto',
  devices: 'auto',
  numNodes: 1,
  nodeRank: 0,
  mainAddress: '127.0.0.1',
  mainPort: 'auto',
  precision: '32-true',
  name: 'fabric',
  rootDir: 'runs',
  seed: null,
  loggers: Object.freeze(['csv', 'tensorboard']) as unknown as LoggerName[],
  flushLogsEveryNSteps: 100,
  progressInterval: 2,
  stallTimeout: 30,
  collectiveTimeout: 1800,
  tokenFile: null,
  insecure: false,
  checkpointEveryNSteps: null,
  checkpointEveryEpoch: false,
  checkpointKeepLast: null,
  checkpointMonitor: null,
  checkpointMode: 'min',
  threadsPerRank: 'auto',
  verbose: false,
});

/** How a key's raw value (YAML value, flag or env string) is parsed; see `validate.ts`. */
export type ValueRule =
  | { kind: 'choice'; choices: readonly string[]; aliases?: Readonly<Record<string, string>> }
  | { kind: 'integer'; min?: number; max?: number; nullable?: boolean; orAuto?: boolean }
  | { kind: 'positive-number' }
  | { kind: 'devices' }
  | { kind: 'port' }
  | { kind: 'text'; pattern?: RegExp; patternHint?: string; nullable?: boolean }
  | { kind: 'boolean' }
  | { kind: 'list'; choices: readonly string[]; itemName: string };

export interface ConfigKeySpec<K extends ConfigKey = ConfigKey> {
  /** camelCase name, as in `FabricConfig` and the canonical YAML key. */
  key: K;
  /** kebab-case CLI flag without dashes, e.g. 'num-nodes'. */
  flag: string;
  /** Environment variable, e.g. 'FABRIC_NUM_NODES'. */
  env: string;
  /** Other YAML spellings that mean this key (snake_case and kebab-case). */
  yamlAliases: readonly string[];
  description: string;
  /** Placeholder for help output, e.g. '<n|0,2|auto>'. */
  valueHint: string;
  default: FabricConfig[K];
  rule: ValueRule;
}

export function toSnakeCase(camel: string): string {
  return camel.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

export function toKebabCase(camel: string): string {
  return toSnakeCase(camel).replace(/_/g, '-');
}

function defineKey<K extends ConfigKey>(
  key: K,
  description: string,
  valueHint: string,
  rule: ValueRule,
): ConfigKeySpec<K> {
  const snake = toSnakeCase(key);
  const kebab = toKebabCase(key);
  return Object.freeze({
    key,
    flag: kebab,
    env: `FABRIC_${snake.toUpperCase()}`,
    yamlAliases: Object.freeze([...new Set([snake, kebab])].filter((alias) => alias !== key)),
    description,
    valueHint,
    default: DEFAULT_CONFIG[key],
    rule,
  });
}

export const CONFIG_SCHEMA: { readonly [K in ConfigKey]: ConfigKeySpec<K> } = Object.freeze({
  accelerator: defineKey('accelerator', 'Hardware to train on.', `<${ACCELERATORS.join('|')}>`, {
    kind: 'choice',
    choices: ACCELERATORS,
  }),
  strategy: defineKey('strategy', 'How work and state are split across ranks.', '<name>', {
    kind: 'choice',
    choices: STRATEGIES,
  }),
  devices: defineKey(
    'devices',
    'Ranks per node: a count, a comma-separated list of device indices, or auto. Given explicitly, auto on cpu starts one single-threaded rank per available core, on wasm and on the native engine alike (tfjs-node: on a quiet 2-core machine 2 ranks x 1 thread trained an MLP at 1.24-1.36x the samples/s of 1 rank x 2 threads), and on cuda one rank per visible GPU; left at its default it starts one rank.',
    '<n|0,2|auto>',
    { kind: 'devices' },
  ),
  numNodes: defineKey('numNodes', 'Number of machines taking part in the run.', '<n>', {
    kind: 'integer',
    min: 1,
  }),
  nodeRank: defineKey('nodeRank', 'Index of this machine among the nodes, from 0.', '<n>', {
    kind: 'integer',
    min: 0,
  }),
  mainAddress: defineKey('mainAddress', 'Address of the node that hosts rank 0.', '<host>', {
    kind: 'text',
    // 253 characters: the longest DNS name.
    pattern: /^\S{1,253}$/,
    patternHint: 'a host name or IP address without spaces (at most 253 characters)',
  }),
  mainPort: defineKey('mainPort', 'Port of the rendezvous store on the main node, or auto to pick a free one.', '<port|auto>', {
    kind: 'port',
  }),
  precision: defineKey('precision', 'Numeric precision of weights and compute.', '<precision>', {
    kind: 'choice',
    choices: PRECISIONS,
    aliases: PRECISION_ALIASES,
  }),
  name: defineKey('name', 'Run name; the run directory is <root-dir>/<name>/version_<N>.', '<name>', {
    kind: 'text',
    // It becomes a folder name, so no separators, spaces or shell-special characters.
    pattern: /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,255}$/,
    patternHint: 'a folder name of at most 255 letters, digits, "-", "_" and "." (not "." or "..")',
  }),
  rootDir: defineKey('rootDir', 'Folder that holds the run directories.', '<dir>', { kind: 'text' }),
  seed: defineKey('seed', 'Seed for every random generator, or none for no fixed seed.', '<int|none>', {
    kind: 'integer',
    nullable: true,
  }),
  loggers: defineKey('loggers', 'Metric loggers, comma-separated, or none.', `<${LOGGERS.join(',')}|none>`, {
    kind: 'list',
    choices: LOGGERS,
    itemName: 'logger',
  }),
  flushLogsEveryNSteps: defineKey('flushLogsEveryNSteps', 'Write buffered metrics to disk every N steps.', '<n>', {
    kind: 'integer',
    min: 1,
  }),
  progressInterval: defineKey(
    'progressInterval',
    'Seconds between plain progress lines when the output is not a terminal.',
    '<seconds>',
    { kind: 'positive-number' },
  ),
  stallTimeout: defineKey('stallTimeout', 'Seconds without a heartbeat before a rank is reported as stalled.', '<seconds>', { kind: 'positive-number' }),
  collectiveTimeout: defineKey('collectiveTimeout', 'Seconds a collective (all-reduce, barrier, ...) waits for the other ranks before failing.', '<seconds>', {
    kind: 'positive-number',
  }),
  tokenFile: defineKey('tokenFile', 'File with the shared secret that authenticates ranks; needed across nodes (or set FABRIC_TOKEN).', '<file>', {
    kind: 'text',
    nullable: true,
  }),
  insecure: defineKey('insecure', 'Do not authenticate connections between ranks (only on a network you trust).', '<true|false>', { kind: 'boolean' }),
  checkpointEveryNSteps: defineKey('checkpointEveryNSteps', 'ModelCheckpoint: save to <run dir>/checkpoints/step_<S> every N optimizer steps.', '<n|none>', {
    kind: 'integer',
    min: 1,
    nullable: true,
  }),
  checkpointEveryEpoch: defineKey('checkpointEveryEpoch', 'ModelCheckpoint: save at the end of every epoch.', '<true|false>', { kind: 'boolean' }),
  checkpointKeepLast: defineKey('checkpointKeepLast', 'ModelCheckpoint: keep only the K newest checkpoints (the best by --checkpoint-monitor is kept too).', '<k|none>', {
    kind: 'integer',
    min: 1,
    nullable: true,
  }),
  checkpointMonitor: defineKey('checkpointMonitor', 'ModelCheckpoint: metric whose best checkpoint is always kept.', '<metric|none>', {
    kind: 'text',
    nullable: true,
    // A metric name as fabric.log takes it; a number or blank here is a mistake, not a metric.
    pattern: /^[A-Za-z_][\w./-]{0,199}$/,
    patternHint: 'a metric name such as val_loss (a letter or "_" first, then letters, digits, "_", ".", "/" or "-"; at most 200), or none',
  }),
  checkpointMode: defineKey('checkpointMode', 'ModelCheckpoint: whether a lower (min) or higher (max) monitored metric is better.', '<min|max>', {
    kind: 'choice',
    choices: CHECKPOINT_MODES,
  }),
  threadsPerRank: defineKey(
    'threadsPerRank',
    'TensorFlow threads per rank on the native engine (TF_NUM_INTRAOP_THREADS and TF_NUM_INTEROP_THREADS); auto gives each rank the cores divided by the ranks on this node (at least 1). No effect on wasm, whose ranks are single-threaded.',
    '<n|auto>',
    { kind: 'integer', min: 1, max: 1024, orAuto: true },
  ),
  verbose: defineKey('verbose', "Keep TensorFlow's load messages (absl, oneDNN, cpu_feature_guard) and tfjs's Node.js banner in rank logs and the dashboard.", '<true|false>', { kind: 'boolean' }),
});

/** All keys in the order help output should list them. */
export const CONFIG_KEYS: readonly ConfigKey[] = Object.freeze(Object.keys(CONFIG_SCHEMA) as ConfigKey[]);
