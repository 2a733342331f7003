import { describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS,
  CONFIG_SCHEMA,
  DEFAULT_CONFIG,
  PRECISION_ALIASES,
  PRECISIONS,
  toKebabCase,
  toSnakeCase,
} from '../../src/config/schema.js';
import { validateConfigValue } from '../../src/config/validate.js';

describe('config schema', () => {
  it('describes every key of DEFAULT_CONFIG exactly once', () => {
    expect([...CONFIG_KEYS].sort()).toEqual(Object.keys(DEFAULT_CONFIG).sort());
    for (const key of CONFIG_KEYS) expect(CONFIG_SCHEMA[key].key).toBe(key);
  });

  it('derives flag, env and YAML alias names from the camelCase key', () => {
    expect(CONFIG_SCHEMA.numNodes).toMatchObject({
      flag: 'num-nodes',
      env: 'FABRIC_NUM_NODES',
      yamlAliases: ['num_nodes', 'num-nodes'],
    });
    expect(CONFIG_SCHEMA.flushLogsEveryNSteps.env).toBe('FABRIC_FLUSH_LOGS_EVERY_N_STEPS');
    expect(CONFIG_SCHEMA.flushLogsEveryNSteps.flag).toBe('flush-logs-every-n-steps');
    expect(CONFIG_SCHEMA.accelerator).toMatchObject({ flag: 'accelerator', env: 'FABRIC_ACCELERATOR', yamlAliases: [] });
    expect(toSnakeCase('mainPort')).toBe('main_port');
    expect(toKebabCase('rootDir')).toBe('root-dir');
  });

  it('has unique flag and env names and never claims launcher-only env vars', () => {
    const flags = CONFIG_KEYS.map((key) => CONFIG_SCHEMA[key].flag);
    const envs = CONFIG_KEYS.map((key) => CONFIG_SCHEMA[key].env);
    expect(new Set(flags).size).toBe(flags.length);
    expect(new Set(envs).size).toBe(envs.length);
    for (const reserved of ['FABRIC_RUN_DIR', 'FABRIC_TOKEN', 'FABRIC_CLI', 'FABRIC_TFJS_BACKEND']) {
      expect(envs).not.toContain(reserved);
    }
  });

  it('gives every key a description, a value hint and a default that passes validation', () => {
    for (const key of CONFIG_KEYS) {
      const spec = CONFIG_SCHEMA[key];
      expect(spec.description.length).toBeGreaterThan(5);
      expect(spec.valueHint).toMatch(/^<.+>$/);
      expect(spec.default).toEqual(DEFAULT_CONFIG[key]);
      expect(validateConfigValue(key, spec.default, 'default')).toEqual(DEFAULT_CONFIG[key]);
    }
  });

  it('uses the documented defaults', () => {
    expect(DEFAULT_CONFIG).toMatchObject({
      mainAddress: '127.0.0.1',
      mainPort: 'auto',
      name: 'fabric',
      rootDir: 'runs',
      seed: null,
      loggers: ['csv', 'tensorboard'],
      flushLogsEveryNSteps: 100,
      progressInterval: 2,
      numNodes: 1,
      nodeRank: 0,
    });
  });

  it('freezes the defaults so no run can change them for the next', () => {
    expect(Object.isFrozen(DEFAULT_CONFIG)).toBe(true);
    expect(Object.isFrozen(DEFAULT_CONFIG.loggers)).toBe(true);
  });

  it('maps every precision alias to a real precision', () => {
    for (const full of Object.values(PRECISION_ALIASES)) expect(PRECISIONS).toContain(full);
  });
});
