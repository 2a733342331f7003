/**
 * Bad input, fuzzed through the real CLI (about a second per case, so fewer cases than fuzz-config.test.ts):
 * generated flag values, unknown flags, YAML files, random bytes as the script and as checkpoint files. Every
 * case must end with exit code 2 and a message without a stack trace; exit 0 is never acceptable.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli, STACK_FRAME } from '../helpers/cli.js';
import { badValue, badYamlDocument, unknownKey } from './bad-input-generators.js';
import { envCount, recordOutcome, rng, startFaultRun } from './harness.js';

const KINDS = ['flag value', 'unknown flag', 'YAML file', 'script bytes', 'checkpoint state.json bytes', 'checkpoint tensor bytes'] as const;
let good: string;
let cwd: string;

beforeAll(async () => {
  const run = startFaultRun({ devices: 1, args: ['--steps', '2', '--sleep-ms', '0', '--save-every', '2', '--ckpt-dir', 'ckpt'] });
  const result = await run.cli.done;
  expect(result.code, result.output).toBe(0);
  good = path.join(run.ckpt, 'step_2');
  cwd = makeTempDir('fabric-fuzz-cli-');
}, 90_000);
afterAll(removeTempDirs);

function randomBytes(random: ReturnType<typeof rng>, max: number): Buffer {
  const bytes = Buffer.alloc(random.int(1, max));
  for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
  return bytes;
}

/** The argv of one generated case (files it needs are written under `dir`). */
function generate(kind: (typeof KINDS)[number], random: ReturnType<typeof rng>, dir: string): string[] {
  const root = `--root-dir=${path.join(dir, 'runs')}`;
  const script = fixture('faults/fault-train.ts');
  switch (kind) {
    case 'flag value': {
      // Booleans are bare flags; rootDir and tokenFile take any path (tokenFile is read only by multi-rank runs).
      const key = random.pick(CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].rule.kind !== 'boolean' && k !== 'rootDir' && k !== 'tokenFile'));
      const value = badValue(key, random, true);
      // argv has a size limit; the in-process fuzzer covers the huge values.
      const text = (typeof value === 'string' ? value : JSON.stringify(value)).slice(0, 2000);
      return ['run', 'model', root, `--${CONFIG_SCHEMA[key].flag}=${text.trim() === '' ? 'bad value' : text}`, script];
    }
    case 'unknown flag':
      return ['run', 'model', root, `--${unknownKey(random).slice(0, 200)}=${random.int(0, 9)}`, script];
    case 'YAML file': {
      const file = path.join(dir, 'config.yaml');
      fs.writeFileSync(file, badYamlDocument(random).text);
      return ['run', 'model', root, '--config', file, script];
    }
    case 'script bytes': {
      const file = path.join(dir, 'train.ts');
      fs.writeFileSync(file, randomBytes(random, 2048));
      return ['run', 'model', root, file];
    }
    default: {
      const ckpt = path.join(dir, 'ckpt');
      fs.cpSync(good, ckpt, { recursive: true });
      if (kind === 'checkpoint state.json bytes') {
        fs.writeFileSync(path.join(ckpt, 'state.json'), randomBytes(random, 4096));
      } else {
        // Without checksums the safetensors reader itself must refuse the bytes.
        const statePath = path.join(ckpt, 'state.json');
        const state = JSON.parse(fs.readFileSync(statePath, 'utf8')) as { checksums?: unknown };
        delete state.checksums;
        fs.writeFileSync(statePath, JSON.stringify(state));
        fs.writeFileSync(path.join(ckpt, random.pick(['model.safetensors', 'optimizer.safetensors'])), randomBytes(random, 4096));
      }
      return ['run', 'model', root, fixture('faults/load.ts'), '--ckpt', ckpt];
    }
  }
}

describe('bad input, fuzzed through the real CLI', () => {
  it('every generated case ends with exit 2 and a message without a stack trace', async () => {
    const random = rng('fuzz-cli');
    const cases = envCount('FABRIC_FUZZ_CLI_CASES', KINDS.length);
    const failures: string[] = [];
    for (let i = 0; i < cases; i++) {
      const kind = KINDS[i % KINDS.length];
      const dir = path.join(cwd, `case-${i}`);
      fs.mkdirSync(dir);
      const argv = generate(kind, random, dir);
      const result = await runCli(argv, { cwd: dir, timeoutMs: 60_000 });
      const message = normalizeMessage(result.output);
      const problem =
        result.code === 0 ? 'exit 0' : result.code !== 2 ? `exit ${result.code}` : STACK_FRAME.test(result.output) ? 'stack trace' : !/Error|Unknown flag|Invalid|not|could/i.test(message) ? 'no message' : null;
      recordOutcome({ fault: `fuzz: CLI ${kind}`, expected: problem === null, leftBehind: 0, lost: 0, detail: problem ?? 'exit 2' });
      if (problem) failures.push(`${kind} (case ${i}, ${argv.slice(3).join(' ').slice(0, 120)}): ${problem}\n${result.output.slice(0, 600)}`);
    }
    console.log(`fuzz CLI: ${cases} cases over ${KINDS.length} kinds, seed ${process.env.FABRIC_FAULT_SEED ?? 'default'}`);
    expect(failures).toEqual([]);
  }, 60_000 + envCount('FABRIC_FUZZ_CLI_CASES', KINDS.length) * 15_000);
});
