import { userErrorOf } from '../helpers/user-error.js';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadYamlConfigFile, readYamlConfigFile } from '../../src/config/load-yaml.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fabric-load-yaml-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}


describe('loadYamlConfigFile', () => {
  it('reads and validates every key', () => {
    const path = write(
      'ok.yaml',
      [
        'accelerator: cpu',
        'strategy: ddp',
        'devices: [0, 2]',
        'numNodes: 2',
        'nodeRank: 1',
        'precision: 16 # Lightning alias',
        'mainPort: 29500',
        'seed: 7',
        'loggers: [csv, tensorboard]',
        'progressInterval: 0.5',
      ].join('\n'),
    );
    expect(loadYamlConfigFile(path)).toEqual({
      accelerator: 'cpu',
      strategy: 'ddp',
      devices: [0, 2],
      numNodes: 2,
      nodeRank: 1,
      precision: '16-mixed',
      mainPort: 29500,
      seed: 7,
      loggers: ['csv', 'tensorboard'],
      progressInterval: 0.5,
    });
  });

  it('accepts snake_case and kebab-case keys', () => {
    const path = write('aliases.yaml', 'num_nodes: 3\nnode-rank: 2\nflush_logs_every_n_steps: 10\nroot-dir: out\n');
    expect(loadYamlConfigFile(path)).toEqual({ numNodes: 3, nodeRank: 2, flushLogsEveryNSteps: 10, rootDir: 'out' });
  });

  it('treats an empty or comment-only file as setting nothing', () => {
    expect(loadYamlConfigFile(write('empty.yaml', ''))).toEqual({});
    expect(loadYamlConfigFile(write('comments.yaml', '# nothing yet\n'))).toEqual({});
  });

  it('records the file:line:column of each key', () => {
    const path = write('origins.yaml', '# header\naccelerator: cpu\n\ndevices: 2\n');
    const { origins } = readYamlConfigFile(path, { displayPath: 'configs/x.yaml' });
    expect(origins).toEqual({ accelerator: 'configs/x.yaml:2:1', devices: 'configs/x.yaml:4:1' });
  });

  it('names a missing file', () => {
    const message = userErrorOf(() => loadYamlConfigFile(join(dir, 'nope.yaml')));
    expect(message).toContain(`The config file '${join(dir, 'nope.yaml')}' does not exist`);
    expect(message).toContain('--config');
  });

  it('names a directory given as the file', () => {
    mkdirSync(join(dir, 'sub'));
    expect(userErrorOf(() => loadYamlConfigFile(join(dir, 'sub')))).toContain('is a directory');
  });

  it('reports malformed YAML with file:line:column and the parser reason', () => {
    const path = write('bad.yaml', 'accelerator: cpu\nstrategy: ddp: x\n');
    const message = userErrorOf(() => readYamlConfigFile(path, { displayPath: 'bad.yaml' }));
    expect(message).toMatch(
      /^The config file bad\.yaml:2:11 is not valid YAML: Nested mappings are not allowed in compact mappings\. /,
    );
    expect(message).not.toContain('\n');
  });

  it('reports an unclosed quote at its position', () => {
    const path = write('quote.yaml', 'accelerator: cpu\nname: "run\n');
    expect(userErrorOf(() => readYamlConfigFile(path, { displayPath: 'quote.yaml' }))).toMatch(
      /quote\.yaml:\d+:\d+ is not valid YAML: Missing closing "quote/,
    );
  });

  it('rejects duplicate keys, also when spelled two ways', () => {
    const exact = write('dup.yaml', 'devices: 1\ndevices: 2\n');
    expect(userErrorOf(() => readYamlConfigFile(exact, { displayPath: 'dup.yaml' }))).toContain('dup.yaml:2:1');
    const spelled = write('dup2.yaml', 'numNodes: 1\nnum_nodes: 2\n');
    expect(userErrorOf(() => readYamlConfigFile(spelled, { displayPath: 'dup2.yaml' }))).toBe(
      "The key 'num_nodes' at dup2.yaml:2:1 sets numNodes, which is already set at dup2.yaml:1:1. Keep only one of them.",
    );
  });

  it('rejects a document that is not a mapping', () => {
    const list = write('list.yaml', '- accelerator: cpu\n');
    expect(userErrorOf(() => readYamlConfigFile(list, { displayPath: 'list.yaml' }))).toContain(
      'The config file list.yaml:1:1 must be a mapping',
    );
    expect(userErrorOf(() => loadYamlConfigFile(write('scalar.yaml', 'cpu\n')))).toContain('single value');
  });

  it('rejects an unknown key at its position with a suggestion', () => {
    const path = write('typo.yaml', 'strategy: ddp\nprecision: 32\nacelerator: cpu\n');
    const message = userErrorOf(() => readYamlConfigFile(path, { displayPath: 'fabric.config.yaml' }));
    expect(message).toContain("Unknown key 'acelerator' in fabric.config.yaml:3:1. Did you mean 'accelerator'?");
    expect(message).toContain('Known keys: accelerator, strategy, devices');
  });

  it('points a wrong value at the value, naming key and allowed values', () => {
    const path = write('value.yaml', 'accelerator: cpu\nprecision:   17\n');
    const message = userErrorOf(() => readYamlConfigFile(path, { displayPath: 'value.yaml' }));
    // A YAML number is shown as a number, a quoted YAML string as text.
    expect(message).toContain('Unknown precision 17 (from value.yaml:2:14). Allowed values: 32-true, 16-mixed');
    const quoted = write('quoted.yaml', 'precision: "17"\n');
    expect(userErrorOf(() => readYamlConfigFile(quoted, { displayPath: 'q.yaml' }))).toContain(
      "Unknown precision '17' (from q.yaml:1:12)",
    );
  });

  it('points an empty value at its key', () => {
    const path = write('empty-value.yaml', 'accelerator: cpu\nstrategy:\n');
    expect(userErrorOf(() => readYamlConfigFile(path, { displayPath: 'e.yaml' }))).toContain(
      'The key strategy has no value (from e.yaml:2:1).',
    );
  });

  it('rejects keys that are not plain names', () => {
    const path = write('complex-key.yaml', '? [a, b]\n: 1\n');
    expect(userErrorOf(() => readYamlConfigFile(path, { displayPath: 'k.yaml' }))).toContain('k.yaml:1:3');
  });
});
