import { userErrorOf } from '../helpers/user-error.js';
import { describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { CONFIG_KEYS, DEFAULT_CONFIG, PRECISIONS, type ConfigKey } from '../../src/config/schema.js';
import {
  normalizeConfigKey,
  unknownConfigKeyError,
  validateConfigCombination,
  validateConfigValue,
} from '../../src/config/validate.js';


describe('normalizeConfigKey', () => {
  it('accepts camelCase, snake_case and kebab-case', () => {
    expect(normalizeConfigKey('numNodes')).toBe('numNodes');
    expect(normalizeConfigKey('num_nodes')).toBe('numNodes');
    expect(normalizeConfigKey('num-nodes')).toBe('numNodes');
    expect(normalizeConfigKey('flush_logs_every_n_steps')).toBe('flushLogsEveryNSteps');
    expect(normalizeConfigKey('main-port')).toBe('mainPort');
  });

  it('returns undefined for unknown names', () => {
    expect(normalizeConfigKey('acelerator')).toBeUndefined();
    expect(normalizeConfigKey('NUM_NODES')).toBeUndefined();
  });
});

describe('unknownConfigKeyError', () => {
  it('names the key and place, suggests a spelling and lists known keys', () => {
    const error = unknownConfigKeyError('acelerator', 'fabric.config.yaml:3:1');
    expect(error).toBeInstanceOf(FabricUserError);
    expect(error.message).toContain("Unknown key 'acelerator' in fabric.config.yaml:3:1.");
    expect(error.message).toContain("Did you mean 'accelerator'?");
    expect(error.message).toContain(`Known keys: ${CONFIG_KEYS.join(', ')}.`);
  });

  it('suggests in the style the user wrote', () => {
    expect(unknownConfigKeyError('num_node', 'x').message).toContain("Did you mean 'num_nodes'?");
  });

  it('offers no suggestion for nonsense', () => {
    expect(unknownConfigKeyError('banana', 'x').message).not.toContain('Did you mean');
  });
});

describe('validateConfigValue: choices', () => {
  it('accepts allowed values case-insensitively', () => {
    expect(validateConfigValue('accelerator', 'CPU', '--accelerator')).toBe('cpu');
    expect(validateConfigValue('strategy', 'deepspeed_stage_2', '--strategy')).toBe('deepspeed_stage_2');
    expect(validateConfigValue('accelerator', 'mps', '--accelerator')).toBe('mps');
  });

  it('normalises the Lightning precision aliases, as text or YAML numbers', () => {
    expect(validateConfigValue('precision', '32', '--precision')).toBe('32-true');
    expect(validateConfigValue('precision', 32, 'f.yaml:1:12')).toBe('32-true');
    expect(validateConfigValue('precision', '16', '--precision')).toBe('16-mixed');
    expect(validateConfigValue('precision', 16, 'f.yaml:1:12')).toBe('16-mixed');
    expect(validateConfigValue('precision', 'bf16', '--precision')).toBe('bf16-mixed');
    expect(validateConfigValue('precision', '64', '--precision')).toBe('64-true');
    expect(validateConfigValue('precision', 'bf16-true', '--precision')).toBe('bf16-true');
  });

  it('rejects --precision=17 naming the key, value, origin and allowed values', () => {
    const message = userErrorOf(() => validateConfigValue('precision', '17', '--precision'));
    expect(message).toContain("Unknown precision '17' (from --precision).");
    expect(message).toContain(`Allowed values: ${PRECISIONS.join(', ')}.`);
    expect(message).toContain('32 (32-true)');
  });

  it('suggests the closest choice', () => {
    expect(userErrorOf(() => validateConfigValue('precision', 'bf16-mix', 'x'))).toContain("Did you mean 'bf16-mixed'?");
    expect(userErrorOf(() => validateConfigValue('strategy', 'dpp', 'FABRIC_STRATEGY'))).toContain("Did you mean 'ddp'?");
    expect(userErrorOf(() => validateConfigValue('accelerator', 'quantum', 'x'))).not.toContain('Did you mean');
  });

  it('rejects non-text values', () => {
    expect(userErrorOf(() => validateConfigValue('strategy', ['ddp'], 'c.yaml:2:11'))).toContain(
      'Unknown strategy ["ddp"] (from c.yaml:2:11)',
    );
  });
});

describe('validateConfigValue: numbers', () => {
  it('coerces integer text from env and flags', () => {
    expect(validateConfigValue('numNodes', '2', 'FABRIC_NUM_NODES')).toBe(2);
    expect(validateConfigValue('nodeRank', ' 0 ', '--node-rank')).toBe(0);
    expect(validateConfigValue('flushLogsEveryNSteps', 50, 'x')).toBe(50);
    expect(validateConfigValue('progressInterval', '0.5', 'x')).toBe(0.5);
    expect(validateConfigValue('progressInterval', 3, 'x')).toBe(3);
  });

  it('rejects non-numbers and out-of-range numbers with the rule', () => {
    expect(userErrorOf(() => validateConfigValue('numNodes', 'two', 'FABRIC_NUM_NODES'))).toBe(
      "Invalid value 'two' for numNodes (from FABRIC_NUM_NODES). numNodes must be a whole number of at least 1.",
    );
    expect(userErrorOf(() => validateConfigValue('numNodes', 0, 'x'))).toContain('at least 1');
    expect(userErrorOf(() => validateConfigValue('numNodes', 1.5, 'x'))).toContain('whole number');
    expect(userErrorOf(() => validateConfigValue('nodeRank', '-1', 'x'))).toContain('at least 0');
    expect(userErrorOf(() => validateConfigValue('progressInterval', '0', 'x'))).toContain('greater than 0');
    expect(userErrorOf(() => validateConfigValue('progressInterval', 'soon', 'x'))).toContain("'soon'");
  });

  it('accepts a seed or none', () => {
    expect(validateConfigValue('seed', '42', 'FABRIC_SEED')).toBe(42);
    expect(validateConfigValue('seed', null, 'c.yaml:1:7')).toBeNull();
    expect(validateConfigValue('seed', 'none', '--seed')).toBeNull();
    expect(userErrorOf(() => validateConfigValue('seed', '4.2', '--seed'))).toContain("or 'none'");
  });

  it('accepts ports from 1 to 65535 or auto', () => {
    expect(validateConfigValue('mainPort', '29500', '--main-port')).toBe(29500);
    expect(validateConfigValue('mainPort', 'auto', '--main-port')).toBe('auto');
    expect(userErrorOf(() => validateConfigValue('mainPort', 0, 'x'))).toContain('from 1 to 65535');
    expect(userErrorOf(() => validateConfigValue('mainPort', '70000', 'x'))).toContain("'70000'");
  });
});

describe('validateConfigValue: devices', () => {
  it('parses counts, index lists and auto', () => {
    expect(validateConfigValue('devices', '2', '--devices')).toBe(2);
    expect(validateConfigValue('devices', 4, 'c.yaml:1:10')).toBe(4);
    expect(validateConfigValue('devices', 'auto', '--devices')).toBe('auto');
    expect(validateConfigValue('devices', '0,2', '--devices')).toEqual([0, 2]);
    expect(validateConfigValue('devices', ' 1, 3 ', '--devices')).toEqual([1, 3]);
    expect(validateConfigValue('devices', '[0, 2]', '--devices')).toEqual([0, 2]);
    expect(validateConfigValue('devices', [0, 2], 'c.yaml:1:10')).toEqual([0, 2]);
  });

  it("reads Lightning's trailing comma as a one-device list, not a count", () => {
    expect(validateConfigValue('devices', '3,', 'FABRIC_DEVICES')).toEqual([3]);
    expect(validateConfigValue('devices', '0,', 'FABRIC_DEVICES')).toEqual([0]);
  });

  it('rejects --devices=0 saying at least 1 device is needed', () => {
    const message = userErrorOf(() => validateConfigValue('devices', '0', '--devices'));
    expect(message).toContain("Invalid value '0' for devices (from --devices).");
    expect(message).toContain('At least 1 device is needed.');
    expect(message).not.toContain('-1');
    expect(userErrorOf(() => validateConfigValue('devices', -1, 'x'))).toContain("use 'auto'");
    expect(userErrorOf(() => validateConfigValue('devices', [], 'x'))).toContain('At least 1 device');
  });

  it('refuses more devices per node than a machine has processes for (a count or a list)', () => {
    expect(validateConfigValue('devices', '1024', '--devices')).toBe(1024);
    expect(userErrorOf(() => validateConfigValue('devices', '100000', '--devices'))).toContain('At most 1024 devices per node');
    expect(userErrorOf(() => validateConfigValue('devices', Array.from({ length: 20_000 }, (_, i) => i), 'c.yaml:1:10'))).toContain('At most 1024 devices per node');
  });

  it('rejects text that is not a count, list or auto', () => {
    const message = userErrorOf(() => validateConfigValue('devices', 'abc', '--devices'));
    expect(message).toContain("Invalid value 'abc' for devices (from --devices).");
    expect(message).toContain('such as 0,2');
    expect(userErrorOf(() => validateConfigValue('devices', '0,x', 'x'))).toContain('Device indices');
    expect(userErrorOf(() => validateConfigValue('devices', '0,,2', 'x'))).toContain('Device indices');
    expect(userErrorOf(() => validateConfigValue('devices', [0, -1], 'x'))).toContain('Device indices');
    expect(userErrorOf(() => validateConfigValue('devices', '1,1', 'x'))).toContain('listed twice');
  });
});

describe('validateConfigValue: text and lists', () => {
  it('checks the run name is a safe folder name', () => {
    expect(validateConfigValue('name', 'mnist_v2.1-a', '--name')).toBe('mnist_v2.1-a');
    expect(validateConfigValue('name', 2024, 'c.yaml:1:7')).toBe('2024');
    for (const bad of ['a/b', '..', '.', 'has space', '']) {
      expect(userErrorOf(() => validateConfigValue('name', bad, '--name'))).toContain('name');
    }
  });

  it('rejects an address with spaces and an empty root dir', () => {
    expect(validateConfigValue('mainAddress', '10.0.0.1', 'x')).toBe('10.0.0.1');
    expect(userErrorOf(() => validateConfigValue('mainAddress', 'a b', 'x'))).toContain('without spaces');
    expect(userErrorOf(() => validateConfigValue('rootDir', '', 'x'))).toContain('non-empty');
  });

  it('parses loggers from lists, comma text and none', () => {
    expect(validateConfigValue('loggers', 'csv,tensorboard', '--loggers')).toEqual(['csv', 'tensorboard']);
    expect(validateConfigValue('loggers', ['TensorBoard'], 'c.yaml:1:10')).toEqual(['tensorboard']);
    expect(validateConfigValue('loggers', 'csv, csv', 'x')).toEqual(['csv']);
    expect(validateConfigValue('loggers', 'none', 'x')).toEqual([]);
    expect(validateConfigValue('loggers', false, 'x')).toEqual([]);
    const message = userErrorOf(() => validateConfigValue('loggers', 'csv,tensorbord', '--loggers'));
    expect(message).toContain("Unknown logger 'tensorbord' (from --loggers). Allowed values: csv, tensorboard.");
    expect(message).toContain("Did you mean 'tensorboard'?");
  });

  it('reports a key with no value', () => {
    expect(userErrorOf(() => validateConfigValue('precision', null, 'c.yaml:2:1'))).toContain(
      'The key precision has no value (from c.yaml:2:1).',
    );
  });

  it('rejects an unknown key', () => {
    expect(userErrorOf(() => validateConfigValue('bogus' as ConfigKey, 1, '--bogus'))).toContain("Unknown key 'bogus'");
  });
});

describe('validateConfigCombination', () => {
  const origins = Object.fromEntries(CONFIG_KEYS.map((key) => [key, 'default'])) as Record<ConfigKey, string>;

  it('accepts a node rank below the node count', () => {
    expect(() => validateConfigCombination({ ...DEFAULT_CONFIG, numNodes: 2, nodeRank: 1 }, origins)).not.toThrow();
  });

  it('rejects nodeRank >= numNodes naming both origins', () => {
    const message = userErrorOf(() =>
      validateConfigCombination(
        { ...DEFAULT_CONFIG, numNodes: 2, nodeRank: 2 },
        { ...origins, nodeRank: '--node-rank', numNodes: 'FABRIC_NUM_NODES' },
      ),
    );
    expect(message).toContain('nodeRank 2 (from --node-rank) must be smaller than numNodes 2 (from FABRIC_NUM_NODES)');
    expect(message).toContain('between 0 and 1');
    const single = userErrorOf(() => validateConfigCombination({ ...DEFAULT_CONFIG, nodeRank: 1 }, origins));
    expect(single).toContain('With a single node, set nodeRank to 0');
  });
});

describe('boolean and nullable text keys', () => {
  it('parses true/false spellings and rejects others', () => {
    expect(validateConfigValue('insecure', 'true', '--insecure')).toBe(true);
    expect(validateConfigValue('insecure', '0', 'FABRIC_INSECURE')).toBe(false);
    expect(validateConfigValue('insecure', false, 'x.yaml:1:1')).toBe(false);
    expect(() => validateConfigValue('insecure', 'maybe', 'FABRIC_INSECURE')).toThrow(/insecure must be true or false/);
  });

  it('accepts none/null for tokenFile and a path otherwise', () => {
    expect(validateConfigValue('tokenFile', null, 'x.yaml:1:1')).toBeNull();
    expect(validateConfigValue('tokenFile', 'none', 'FABRIC_TOKEN_FILE')).toBeNull();
    expect(validateConfigValue('tokenFile', '/tmp/token', '--token-file')).toBe('/tmp/token');
  });
});

describe('threadsPerRank and verbose', () => {
  it('takes a thread count of 1 to 1024 or auto, from text or a YAML number', () => {
    expect(validateConfigValue('threadsPerRank', '2', '--threads-per-rank')).toBe(2);
    expect(validateConfigValue('threadsPerRank', 4, 'fabric.config.yaml:1:17')).toBe(4);
    expect(validateConfigValue('threadsPerRank', ' AUTO ', 'FABRIC_THREADS_PER_RANK')).toBe('auto');
  });

  it('rejects 0, fractions, huge counts and words other than auto, naming the origin and offering auto', () => {
    expect(userErrorOf(() => validateConfigValue('threadsPerRank', '0', '--threads-per-rank'))).toBe(
      "Invalid value '0' for threadsPerRank (from --threads-per-rank). threadsPerRank must be a whole number from 1 to 1024, or 'auto' to let Fabric choose.",
    );
    expect(userErrorOf(() => validateConfigValue('threadsPerRank', 1.5, 'x.yaml:2:1'))).toContain('whole number');
    expect(userErrorOf(() => validateConfigValue('threadsPerRank', '5000', 'FABRIC_THREADS_PER_RANK'))).toContain('from 1 to 1024');
    expect(userErrorOf(() => validateConfigValue('threadsPerRank', 'none', 'x'))).toContain("or 'auto'");
  });

  it('reads verbose like the other switches', () => {
    expect(validateConfigValue('verbose', 'yes', 'FABRIC_VERBOSE')).toBe(true);
    expect(validateConfigValue('verbose', false, 'x.yaml:1:1')).toBe(false);
    expect(() => validateConfigValue('verbose', 'loud', '--verbose')).toThrow(/verbose must be true or false/);
  });
});
