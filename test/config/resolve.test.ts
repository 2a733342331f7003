import { userErrorOf } from '../helpers/user-error.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, DEFAULT_CONFIG, type FabricConfig } from '../../src/config/schema.js';
import {
  configFromEnv,
  configToEnv,
  formatConfigValue,
  resolveConfig,
} from '../../src/config/resolve.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'fabric-resolve-'));
});
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(cwd, name);
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, text);
  return path;
}


describe('resolveConfig', () => {
  it('uses the defaults when nothing is given', () => {
    const { config, sources } = resolveConfig({ flags: {}, env: {}, cwd });
    expect(config).toEqual(DEFAULT_CONFIG);
    for (const key of CONFIG_KEYS) expect(sources[key]).toEqual({ source: 'default', origin: 'default' });
  });

  it('returns a copy that does not share the frozen default arrays', () => {
    const { config } = resolveConfig({ flags: {}, env: {}, cwd });
    expect(Object.isFrozen(config.loggers)).toBe(false);
    config.loggers.pop();
    expect(DEFAULT_CONFIG.loggers).toEqual(['csv', 'tensorboard']);
  });

  it('applies flags > env > --config > ./fabric.config.yaml > defaults', () => {
    // Each layer sets one key fewer than the layer below, so every layer wins exactly one key.
    write('fabric.config.yaml', 'precision: 64\nstrategy: dp\nnum_nodes: 4\nmainAddress: project.host\n');
    write('configs/x.yaml', '# preset\nprecision: bf16\nstrategy: ddp\nnum-nodes: 3\n');
    const { config, sources } = resolveConfig({
      flags: { precision: '16', numNodes: undefined },
      env: { FABRIC_PRECISION: '32', FABRIC_STRATEGY: 'fsdp' },
      configFile: 'configs/x.yaml',
      cwd,
    });
    expect(config).toMatchObject({
      precision: '16-mixed',
      strategy: 'fsdp',
      numNodes: 3,
      mainAddress: 'project.host',
      accelerator: 'auto',
    });
    expect(sources.precision).toEqual({ source: 'flag', origin: '--precision' });
    expect(sources.strategy).toEqual({ source: 'env', origin: 'FABRIC_STRATEGY' });
    expect(sources.numNodes).toEqual({ source: 'config-file', origin: 'configs/x.yaml:4:1' });
    expect(sources.mainAddress.source).toBe('project-config');
    expect(sources.mainAddress.origin).toMatch(/fabric\.config\.yaml:4:1$/);
    expect(sources.accelerator).toEqual({ source: 'default', origin: 'default' });
  });

  it('resolves threadsPerRank and verbose from flags, env and YAML in the usual order', () => {
    write('fabric.config.yaml', 'threads_per_rank: 3\nverbose: true\n');
    const fromYaml = resolveConfig({ flags: {}, env: {}, cwd });
    expect(fromYaml.config).toMatchObject({ threadsPerRank: 3, verbose: true });
    expect(fromYaml.sources.threadsPerRank.origin).toMatch(/fabric\.config\.yaml:1:1$/);
    const fromEnv = resolveConfig({ flags: {}, env: { FABRIC_THREADS_PER_RANK: 'auto', FABRIC_VERBOSE: '0' }, cwd });
    expect(fromEnv.config).toMatchObject({ threadsPerRank: 'auto', verbose: false });
    expect(fromEnv.sources.threadsPerRank).toEqual({ source: 'env', origin: 'FABRIC_THREADS_PER_RANK' });
    const fromFlag = resolveConfig({ flags: { threadsPerRank: '1' }, env: { FABRIC_THREADS_PER_RANK: '2' }, cwd });
    expect(fromFlag.config.threadsPerRank).toBe(1);
    expect(fromFlag.sources.threadsPerRank).toEqual({ source: 'flag', origin: '--threads-per-rank' });
    expect(userErrorOf(() => resolveConfig({ flags: {}, env: { FABRIC_THREADS_PER_RANK: 'many' }, cwd }))).toContain('(from FABRIC_THREADS_PER_RANK)');
  });

  it('shows the project file as ./fabric.config.yaml when cwd is the process cwd', () => {
    write('fabric.config.yaml', 'devices: 2\n');
    const previous = process.cwd();
    process.chdir(cwd);
    try {
      expect(resolveConfig({ flags: {}, env: {}, cwd }).sources.devices.origin).toBe('./fabric.config.yaml:1:1');
    } finally {
      process.chdir(previous);
    }
  });

  it('reads the project file only once when --config names it', () => {
    write('fabric.config.yaml', 'devices: 2\n');
    const { sources } = resolveConfig({ flags: {}, env: {}, configFile: 'fabric.config.yaml', cwd });
    expect(sources.devices).toEqual({ source: 'config-file', origin: 'fabric.config.yaml:1:1' });
  });

  it('works without a project file and errors on a missing --config file', () => {
    expect(resolveConfig({ flags: {}, env: {}, cwd }).config.devices).toBe('auto');
    expect(userErrorOf(() => resolveConfig({ flags: {}, env: {}, configFile: 'missing.yaml', cwd }))).toContain(
      "The config file 'missing.yaml' does not exist",
    );
  });

  it('ignores FABRIC_* variables that are not config keys, and empty ones', () => {
    const { config } = resolveConfig({
      flags: {},
      env: { FABRIC_RUN_DIR: '/tmp/x', FABRIC_TOKEN: 'secret', FABRIC_CLI: '1', FABRIC_TFJS_BACKEND: 'wasm', FABRIC_DEVICES: '' },
      cwd,
    });
    expect(config).toEqual(DEFAULT_CONFIG);
  });

  it('coerces env and flag strings', () => {
    const { config } = resolveConfig({
      flags: { devices: '0,2', mainPort: '29500' },
      env: { FABRIC_NUM_NODES: '2', FABRIC_NODE_RANK: '1', FABRIC_PROGRESS_INTERVAL: '0.25', FABRIC_SEED: '42' },
      cwd,
    });
    expect(config).toMatchObject({ devices: [0, 2], mainPort: 29500, numNodes: 2, nodeRank: 1, progressInterval: 0.25, seed: 42 });
  });

  it('rejects --devices=0 and --precision=17 naming the flag', () => {
    expect(userErrorOf(() => resolveConfig({ flags: { devices: '0' }, env: {}, cwd }))).toContain(
      "Invalid value '0' for devices (from --devices). At least 1 device is needed.",
    );
    expect(userErrorOf(() => resolveConfig({ flags: { precision: '17' }, env: {}, cwd }))).toContain(
      "Unknown precision '17' (from --precision). Allowed values:",
    );
    expect(userErrorOf(() => resolveConfig({ flags: {}, env: { FABRIC_DEVICES: 'abc' }, cwd }))).toContain(
      "Invalid value 'abc' for devices (from FABRIC_DEVICES).",
    );
  });

  it('accepts flag keys in any spelling and rejects unknown ones', () => {
    const flags = { 'num-nodes': '2' } as Record<string, unknown>;
    expect(resolveConfig({ flags, env: {}, cwd }).sources.numNodes.origin).toBe('--num-nodes');
    const bad = { acelerator: 'cpu' } as Record<string, unknown>;
    expect(userErrorOf(() => resolveConfig({ flags: bad, env: {}, cwd }))).toContain("Did you mean 'accelerator'?");
  });

  it('checks nodeRank < numNodes after merging the layers', () => {
    write('fabric.config.yaml', 'numNodes: 2\n');
    expect(resolveConfig({ flags: { nodeRank: '1' }, env: {}, cwd }).config.nodeRank).toBe(1);
    const message = userErrorOf(() => resolveConfig({ flags: { nodeRank: '2' }, env: {}, cwd }));
    expect(message).toContain('nodeRank 2 (from --node-rank) must be smaller than numNodes 2 (from ');
    expect(message).toContain('fabric.config.yaml:1:1)');
  });

  it('reports an unknown key in the project file with its position', () => {
    write('fabric.config.yaml', 'devices: 1\nprecison: 16\n');
    expect(userErrorOf(() => resolveConfig({ flags: {}, env: {}, cwd }))).toMatch(
      /Unknown key 'precison' in .*fabric\.config\.yaml:2:1\. Did you mean 'precision'\?/,
    );
  });
});

describe('configToEnv / configFromEnv', () => {
  const full: FabricConfig = {
    accelerator: 'cpu',
    strategy: 'zero2',
    devices: [0, 2],
    numNodes: 2,
    nodeRank: 1,
    mainAddress: '10.0.0.5',
    mainPort: 29400,
    precision: 'bf16-mixed',
    name: 'exp.1',
    rootDir: '/data/runs',
    seed: 1234,
    loggers: ['csv', 'tensorboard'],
    flushLogsEveryNSteps: 10,
    progressInterval: 0.5,
    stallTimeout: 12,
    collectiveTimeout: 60,
    tokenFile: '/run/secrets/fabric-token',
    insecure: true,
    checkpointEveryNSteps: 500,
    checkpointEveryEpoch: true,
    checkpointKeepLast: 3,
    checkpointMonitor: 'val_loss',
    checkpointMode: 'max',
    threadsPerRank: 3,
    verbose: true,
  };

  it('writes FABRIC_* strings', () => {
    expect(configToEnv(full)).toMatchObject({
      FABRIC_ACCELERATOR: 'cpu',
      FABRIC_DEVICES: '0,2',
      FABRIC_NUM_NODES: '2',
      FABRIC_MAIN_PORT: '29400',
      FABRIC_LOGGERS: 'csv,tensorboard',
      FABRIC_FLUSH_LOGS_EVERY_N_STEPS: '10',
      FABRIC_THREADS_PER_RANK: '3',
      FABRIC_VERBOSE: 'true',
    });
    expect(configToEnv({ precision: '16-mixed' })).toEqual({ FABRIC_PRECISION: '16-mixed' });
  });

  it('round-trips every value, including awkward ones', () => {
    const awkward: Partial<FabricConfig>[] = [
      full,
      DEFAULT_CONFIG,
      { devices: [3] },
      { devices: 4 },
      { loggers: [] },
      { seed: null },
      { seed: -5 },
      { mainPort: 'auto' },
    ];
    for (const config of awkward) {
      const { values, origins } = configFromEnv(configToEnv(config));
      expect(values).toEqual(config);
      for (const key of Object.keys(config)) expect(origins[key]).toMatch(/^FABRIC_[A-Z_]+$/);
    }
  });

  it('keeps a one-device list apart from a device count', () => {
    expect(formatConfigValue('devices', [3])).toBe('3,');
    expect(formatConfigValue('devices', 3)).toBe('3');
    expect(formatConfigValue('loggers', [])).toBe('none');
    expect(formatConfigValue('seed', null)).toBe('none');
  });

  it('reads only schema keys and names the variable in errors', () => {
    expect(configFromEnv({ FABRIC_TOKEN: 'x', FABRIC_RUN_DIR: '/r', PATH: '/bin' })).toEqual({ values: {}, origins: {} });
    expect(userErrorOf(() => configFromEnv({ FABRIC_MAIN_PORT: 'http' }))).toContain("Invalid value 'http' for mainPort (from FABRIC_MAIN_PORT).");
  });
});
