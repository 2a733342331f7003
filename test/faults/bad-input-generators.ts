/**
 * Seeded generators of bad input for the config loader and the CLI: wrong types, out-of-range numbers, unknown
 * keys, deep nesting, huge values, broken YAML, alias bombs and random bytes. Each generated case contains at
 * least one mistake by construction, so "it was accepted" is always a finding.
 */
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey } from '../../src/config/schema.js';
import { normalizeConfigKey } from '../../src/config/validate.js';
import type { rng } from './harness.js';

type Random = ReturnType<typeof rng>;

function word(random: Random, min = 1, max = 12): string {
  const letters = 'abcdefghijklmnopqrstuvwxyzQXZ0123456789_';
  return Array.from({ length: random.int(min, max) }, () => letters[random.int(0, letters.length - 1)]).join('');
}

/** A value of the wrong shape for any key: a mapping, a nested list, or a deep structure. */
function wrongShape(random: Random): unknown {
  switch (random.int(0, 3)) {
    case 0:
      return { [word(random)]: random.int(-5, 5) };
    case 1:
      return [[random.int(0, 9)], { x: word(random) }];
    case 2: {
      let value: unknown = random.int(0, 9);
      for (let depth = random.int(50, 2000); depth > 0; depth--) value = random.next() < 0.5 ? [value] : { a: value };
      return value;
    }
    default:
      return Array.from({ length: random.int(2000, 20000) }, (_, i) => i);
  }
}

/** A value `key` must reject. */
export function badValue(key: ConfigKey, random: Random, asText = false): unknown {
  // As text (flags, env) a structure is just characters, which a free-text key may accept.
  const rule0 = CONFIG_SCHEMA[key].rule;
  if (random.next() < 0.25 && !(asText && rule0.kind === 'text')) return key === 'devices' ? [1, [2], -3] : wrongShape(random);
  const rule = CONFIG_SCHEMA[key].rule;
  const huge = () => 'z'.repeat(random.int(10_000, 1_000_000));
  switch (rule.kind) {
    case 'choice':
    case 'list':
      return random.pick([`zz${word(random)}`, huge(), random.int(-1e6, 1e6), rule.kind === 'list' ? `csv,zz${word(random)}` : '', true]);
    case 'integer':
      return random.pick([random.int(0, 1e6) + 0.5, `x${word(random)}`, '1e400', ...(rule.min === undefined ? [] : [rule.min - random.int(1, 1e9)]), ...(rule.nullable ? [] : ['none']), huge()]);
    case 'positive-number':
      return random.pick([0, -random.int(1, 1e6), `n${word(random)}`, 'NaN', '-inf', huge()]);
    case 'devices':
      return random.pick([0, -random.int(1, 99), `d${word(random)}`, '1,,2', '-1,2', 1.5, '9'.repeat(400), huge()]);
    case 'port':
      return random.pick([0, 65_536 + random.int(0, 1e6), -random.int(1, 99), `p${word(random)}`, 1.5, huge()]);
    case 'text':
      if (key === 'name') return random.pick(['a b', '../x', '.', `x/${word(random)}`, 'z'.repeat(random.int(256, 100_000)), ' ']);
      if (key === 'mainAddress') return random.pick(['a b', ' ', ` ${huge()} x`, 'h'.repeat(random.int(254, 100_000))]);
      return asText ? '   ' : random.pick(['', '   ', wrongShape(random)]);
    case 'boolean':
      return random.pick([`maybe${word(random)}`, 2, -1, huge()]);
  }
}

/** A key no spelling of any config key matches. */
export function unknownKey(random: Random): string {
  for (;;) {
    const key = random.pick([word(random), `${random.pick(CONFIG_KEYS)}${word(random, 1, 3)}`, word(random, 200, 2000)]);
    if (normalizeConfigKey(key) === undefined) return key;
  }
}

/** YAML text of one value (flow style keeps deep nesting on one line). */
function yamlValue(value: unknown): string {
  return JSON.stringify(value);
}

const VALID: Partial<Record<ConfigKey, string>> = { seed: '3', name: 'fuzz', precision: '32-true', loggers: 'csv', stallTimeout: '30' };

/** A YAML config document with at least one mistake; `kind` says which. */
export function badYamlDocument(random: Random): { kind: string; text: string | Buffer } {
  const good = Object.entries(VALID).filter(() => random.next() < 0.5).map(([k, v]) => `${k}: ${v}`);
  const withMistake = (line: string) => {
    const lines = [...good];
    lines.splice(random.int(0, lines.length), 0, line);
    return lines.join('\n') + '\n';
  };
  switch (random.int(0, 7)) {
    case 0: {
      const key = random.pick(CONFIG_KEYS);
      return { kind: 'wrong value', text: withMistake(`${key}: ${yamlValue(badValue(key, random))}`) };
    }
    case 1:
      return { kind: 'unknown key', text: withMistake(`${unknownKey(random)}: ${random.int(0, 9)}`) };
    case 2: {
      const depth = random.int(100, 5000);
      return { kind: 'deep nesting', text: withMistake(`${random.pick(CONFIG_KEYS)}: ${'['.repeat(depth)}1${']'.repeat(depth)}`) };
    }
    case 3: {
      const key = random.pick(CONFIG_KEYS.filter((k) => !['rootDir', 'tokenFile'].includes(k)));
      return { kind: 'huge value', text: withMistake(`${key}: ${'9'.repeat(random.int(1000, 200_000))}x`) };
    }
    case 4: {
      // Aliases that expand exponentially ("billion laughs").
      const levels = random.int(6, 12);
      const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
      return { kind: 'alias bomb', text: `${lines.join('\n')}\n${random.pick(CONFIG_KEYS)}: *a${levels - 1}\n` };
    }
    case 5:
      return { kind: 'broken YAML', text: withMistake(random.pick(['devices: [1, 2', 'name: a: b', '  - x\nseed: 1', 'precision: "32-true', '? [a]\n: b', '\t- tab', 'key: @value', '{a: 1'])) };
    case 6:
      return { kind: 'not a mapping', text: random.pick(['- devices: 2\n', '42\n', '"just text"\n', '[1, 2, 3]\n', '!!binary aGVsbG8=\n']) };
    default: {
      const bytes = Buffer.alloc(random.int(1, 4096));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random.int(0, 255);
      return { kind: 'random bytes', text: bytes };
    }
  }
}
