import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeOptions } from '../src/connector.js';
import { FabricUserError } from '../src/errors.js';
import { Fabric, type FabricOptions } from '../src/fabric.js';

const savedEnv = { ...process.env };
const launched: Fabric[] = [];

beforeEach(() => {
  for (const key of Object.keys(process.env)) if (key.startsWith('FABRIC_') || ['WORLD_SIZE', 'RANK', 'LOCAL_RANK', 'NODE_RANK'].includes(key)) delete process.env[key];
});

afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key];
  Object.assign(process.env, savedEnv);
});

async function launch(options: FabricOptions): Promise<Fabric> {
  const fabric = new Fabric(options);
  launched.push(fabric);
  await fabric.launch();
  return fabric;
}

async function launchError(options: FabricOptions): Promise<FabricUserError> {
  const error = await launch(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FabricUserError);
  return error as FabricUserError;
}

describe('under the CLI (FABRIC_CLI=1)', () => {
  beforeEach(() => {
    Object.assign(process.env, { FABRIC_CLI: '1', FABRIC_PRECISION: '32-true', FABRIC_STRATEGY: 'ddp', FABRIC_ACCELERATOR: 'cpu' });
  });

  it('rejects a constructor value that conflicts with the command line, naming both', async () => {
    const error = await launchError({ strategy: 'fsdp' });
    expect(error.message).toContain('"fsdp"');
    expect(error.message).toContain('"ddp"');
    expect(error.message).toContain('FABRIC_STRATEGY');
    expect(error.message).toMatch(/Remove one of them/);
  });

  it('names the flag the launcher reports as the origin', () => {
    const env = { ...process.env, FABRIC_CONFIG_ORIGINS: JSON.stringify({ strategy: '--strategy' }) };
    expect(() => mergeOptions({ strategy: 'fsdp' }, env)).toThrow(/\(--strategy\)/);
    expect(() => mergeOptions({ strategy: 'fsdp' }, { ...env, FABRIC_CONFIG_ORIGINS: 'not json' })).toThrow(/\(FABRIC_STRATEGY\)/);
  });

  it('accepts the same value twice and takes the rest from the environment', async () => {
    const fabric = await launch({ strategy: 'ddp', precision: '32-true' });
    expect(fabric.strategy.name).toBe('ddp');
    expect(fabric.config.strategy).toBe('ddp');
    expect(fabric.config.accelerator).toBe('cpu');
    expect(fabric.worldSize).toBe(1);
  });

  it('compares values after normalising them', () => {
    expect(mergeOptions({ precision: '32' as never }, process.env).precision).toBe('32-true');
  });
});

describe('without the CLI', () => {
  it('lets the constructor value win over FABRIC_* variables', async () => {
    process.env.FABRIC_STRATEGY = 'ddp';
    const fabric = await launch({ accelerator: 'cpu', strategy: 'fsdp' });
    expect(fabric.config.strategy).toBe('fsdp');
    expect(fabric.strategy.name).toBe('fsdp');
  });

  it('uses FABRIC_* variables for keys the constructor leaves out, then defaults', () => {
    const config = mergeOptions({ accelerator: 'cpu', strategy: undefined }, { FABRIC_STRATEGY: 'ddp' });
    expect(config.strategy).toBe('ddp');
    expect(config.accelerator).toBe('cpu');
    expect(config.precision).toBe('32-true');
    expect(config.numNodes).toBe(1);
  });

  it('explains that several devices need the CLI', async () => {
    const error = await launchError({ accelerator: 'cpu', devices: 2 });
    expect(error.message).toContain('devices=2');
    expect(error.message).toContain('fabric run model <script.ts> --devices=2');
    expect((await launchError({ accelerator: 'cpu', numNodes: 2 })).message).toContain('numNodes=2');
  });

  it('accepts devices=1 and auto', async () => {
    expect((await launch({ accelerator: 'cpu', devices: 1 })).worldSize).toBe(1);
    expect((await launch({ accelerator: 'cpu', devices: 'auto' })).worldSize).toBe(1);
  });

  it('rejects invalid values with the allowed ones', async () => {
    const error = await launchError({ accelerator: 'cpu', precision: 'bogus' as never });
    expect(error.message).toMatch(/bogus/);
    expect(error.message).toMatch(/32-true/);
  });

  it('does not treat callbacks and logger instances as settings', async () => {
    const logger = { name: 'mem', logMetrics() {}, logHyperparams() {}, flush() {}, close() {} };
    const fabric = await launch({ accelerator: 'cpu', callbacks: [{}], loggers: [logger] });
    expect(fabric.loggers).toEqual([logger]);
    expect(fabric.callbacks).toHaveLength(1);
  });
});
