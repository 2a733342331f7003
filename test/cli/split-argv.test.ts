import { describe, expect, it } from 'vitest';
import { fabricFlagsAfterScript, splitAtScript, typedFlagNames } from '../../src/cli/split-argv.js';

const valued = new Set(['devices', 'config', 'seed']);

describe('splitAtScript', () => {
  it('keeps flags before the script for fabric and everything after it for the script', () => {
    expect(splitAtScript(['--devices', '2', '--seed=3', 'train.ts', '--devices', '4', 'x'], valued)).toEqual({
      fabricArgv: ['--devices', '2', '--seed=3'],
      script: 'train.ts',
      scriptArgs: ['--devices', '4', 'x'],
    });
  });

  it('drops one `--` right after the script path and keeps later ones', () => {
    expect(splitAtScript(['train.ts', '--', '--lr', '0.1', '--', 'z'], valued).scriptArgs).toEqual(['--lr', '0.1', '--', 'z']);
  });

  it('accepts `--` before the script path too', () => {
    expect(splitAtScript(['--devices=1', '--', 'train.ts', '-v'], valued)).toEqual({ fabricArgv: ['--devices=1'], script: 'train.ts', scriptArgs: ['-v'] });
  });

  it('leaves boolean and unknown flags to the parser without eating the script path', () => {
    expect(splitAtScript(['--insecure', 'train.ts'], valued)).toEqual({ fabricArgv: ['--insecure'], script: 'train.ts', scriptArgs: [] });
    expect(splitAtScript(['--devicez=1', 'train.ts'], valued).script).toBe('train.ts');
  });

  it('reports a missing script', () => {
    expect(splitAtScript(['--devices', '2'], valued)).toEqual({ fabricArgv: ['--devices', '2'], script: undefined, scriptArgs: [] });
  });
});

describe('fabricFlagsAfterScript', () => {
  const fabricNames = new Set(['devices', 'config', 'seed', 'strategy', 'tui', 'no-tui']);
  it('names Fabric-looking flags after the script path, --x and --x=v, once each', () => {
    expect(fabricFlagsAfterScript(['--seed', '1', 'train.ts', '--devices', '2', '--lr', '3', '--strategy=fsdp', '--no-tui', '--devices=4'], valued, fabricNames)).toEqual(['--devices', '--strategy', '--no-tui']);
  });

  it('stops at a `--` the user wrote, after or before the script path', () => {
    expect(fabricFlagsAfterScript(['train.ts', '--', '--devices', '2'], valued, fabricNames)).toEqual([]);
    expect(fabricFlagsAfterScript(['train.ts', '--lr', '1', '--', '--devices', '2'], valued, fabricNames)).toEqual([]);
    expect(fabricFlagsAfterScript(['--', 'train.ts', '--devices', '2'], valued, fabricNames)).toEqual([]);
  });

  it('ignores flags before the script, single-dash flags and plain values', () => {
    expect(fabricFlagsAfterScript(['--devices', '2', 'train.ts', '-d', 'devices', 'x'], valued, fabricNames)).toEqual([]);
    expect(fabricFlagsAfterScript(['--devices', '2'], valued, fabricNames)).toEqual([]);
  });

  it('typedFlagNames adds no-x for flags that allow it', () => {
    expect([...typedFlagNames({ tui: { allowNo: true }, seed: {} })]).toEqual(['tui', 'no-tui', 'seed']);
  });
});
