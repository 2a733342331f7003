/**
 * Bad input, fuzzed in-process: generated YAML documents, flag values and FABRIC_* variables go through the real
 * config loader (resolveConfig, as `fabric run model` calls it). Each must be refused with a FabricUserError whose
 * message is one short paragraph (what the CLI prints with exit 2); anything else is a crash the user would see
 * as a stack trace. fuzz-cli.test.ts runs a smaller number of cases through the real CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/config/resolve.js';
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js';
import { isFabricUserError } from '../../src/errors.js';
import { makeTempDir, removeTempDirs } from '../helpers/cli.js';
import { badValue, badYamlDocument, unknownKey } from './bad-input-generators.js';
import { envCount, recordOutcome, rng } from './harness.js';

afterAll(removeTempDirs);

/** Why `run` did not fail the way a user mistake must, or null. */
function userErrorProblem(run: () => unknown, mustName?: string): string | null {
  try {
    run();
    return 'accepted';
  } catch (error) {
    if (!isFabricUserError(error)) return `crashed: ${String(error).slice(0, 300)}`;
    const message = (error as Error).message;
    if (/\n\s*\n/.test(message)) return 'message has more than one paragraph';
    if (/\n\s+at /.test(message)) return 'message holds a stack trace';
    if (message.length > 1500) return `message is ${message.length} characters long`;
    if (mustName && !message.includes(mustName)) return `message does not name ${mustName}: ${message.slice(0, 200)}`;
    return null;
  }
}

function report(fault: string, total: number, failures: string[]): void {
  const failed = new Set(failures.map((f) => f.split(':')[0]));
  recordOutcome({ fault, expected: failures.length === 0, leftBehind: 0, lost: 0, detail: `${total} cases, ${failures.length} not refused cleanly ${[...failed].join(', ')}`, count: total, failed: failures.length });
}

describe('bad input, fuzzed in-process', () => {
  const cwd = makeTempDir('fabric-fuzz-');

  it('generated YAML config files are all refused with one clear paragraph', () => {
    const random = rng('fuzz-yaml');
    const cases = envCount('FABRIC_FUZZ_CASES', 300);
    const failures: string[] = [];
    const kinds = new Map<string, number>();
    for (let i = 0; i < cases; i++) {
      const { kind, text } = badYamlDocument(random);
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
      const file = path.join(cwd, `case-${i}.yaml`);
      fs.writeFileSync(file, text);
      const problem = userErrorProblem(() => resolveConfig({ flags: {}, env: {}, configFile: file, cwd }), `case-${i}.yaml`);
      if (problem) failures.push(`${kind}: case ${i}: ${problem} (${String(text).slice(0, 60)})`);
      fs.rmSync(file);
    }
    console.log(`fuzz YAML: ${cases} cases (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')}), seed ${process.env.FABRIC_FAULT_SEED ?? 'default'}`);
    report('fuzz: YAML config files (in-process)', cases, failures);
    expect(failures.slice(0, 10)).toEqual([]);
  }, 60_000 + envCount('FABRIC_FUZZ_CASES', 300) * 100);

  it('generated flag values, unknown flags and FABRIC_* variables are all refused with one clear paragraph', () => {
    const random = rng('fuzz-flags');
    const cases = envCount('FABRIC_FUZZ_CASES', 300);
    const failures: string[] = [];
    for (let i = 0; i < cases; i++) {
      const where = random.int(0, 2);
      // An empty FABRIC_* variable counts as unset, so free-text keys have no bad value in the environment.
      const key = random.pick(where === 1 ? CONFIG_KEYS.filter((k) => !['rootDir', 'tokenFile'].includes(k)) : CONFIG_KEYS);
      const value = badValue(key, random, true);
      // Flags and env vars arrive as text; only YAML carries structure.
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const problem =
        where === 0
          ? userErrorProblem(() => resolveConfig({ flags: { [key]: text }, env: {}, cwd }), `--${CONFIG_SCHEMA[key].flag}`)
          : where === 1
            ? userErrorProblem(() => resolveConfig({ flags: {}, env: { [CONFIG_SCHEMA[key].env]: text.trim() === '' ? 'bad value' : text }, cwd }), CONFIG_SCHEMA[key].env)
            : userErrorProblem(() => resolveConfig({ flags: { [unknownKey(random)]: text } as never, env: {}, cwd }));
      if (problem) failures.push(`${['flag', 'env', 'unknown flag'][where]} ${key}: case ${i}: ${problem} (value ${text.slice(0, 40)})`);
    }
    console.log(`fuzz flags/env: ${cases} cases, seed ${process.env.FABRIC_FAULT_SEED ?? 'default'}`);
    report('fuzz: flag values and FABRIC_* env (in-process)', cases, failures);
    expect(failures.slice(0, 10)).toEqual([]);
  }, 60_000 + envCount('FABRIC_FUZZ_CASES', 300) * 100);
});
