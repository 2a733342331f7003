/**
 * Turns one raw config value (a YAML value, or a string from a flag or env var) into its typed
 * value, or throws a FabricUserError that names the key, the value, where it came from and what
 * is allowed instead.
 */
import { FabricUserError } from '../errors.js';
import { CONFIG_KEYS, CONFIG_SCHEMA, type ConfigKey, type FabricConfig, type ValueRule } from './schema.js';
import { didYouMean } from './suggest.js';

/** Maps camelCase, snake_case and kebab-case spellings to the canonical key. */
const KEY_BY_SPELLING: ReadonlyMap<string, ConfigKey> = new Map(
  CONFIG_KEYS.flatMap((key) => [key, ...CONFIG_SCHEMA[key].yamlAliases].map((name) => [name, key] as const)),
);

/** The canonical key for `name` (`numNodes`, `num_nodes` or `num-nodes`), or undefined. */
export function normalizeConfigKey(name: string): ConfigKey | undefined {
  return KEY_BY_SPELLING.get(name);
}

/** Error for a key no schema entry knows; suggests the closest spelling of the same style. */
export function unknownConfigKeyError(name: string, origin: string): FabricUserError {
  // No key is long: a long name gets no suggestion, and only its start is shown.
  const suggestion = name.length > MAX_SHOWN ? undefined : didYouMean(name, [...KEY_BY_SPELLING.keys()]);
  const hint = suggestion === undefined ? '' : ` Did you mean '${suggestion}'?`;
  return new FabricUserError(
    `Unknown key ${show(name)} in ${origin}.${hint} Known keys: ${CONFIG_KEYS.join(', ')}. ` +
      `Keys may also be written in snake_case or kebab-case (num_nodes, num-nodes). ` +
      `Remove the key or correct its spelling.`,
  );
}

/** How a value is shown in messages: strings quoted as typed, everything else as JSON. */
/** A value as the message shows it; a long one is cut, so a huge value still gets a one-paragraph message. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value instanceof Uint8Array) return 'binary data';
  const text = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  const shown = text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}... (${text.length} characters)` : text;
  return typeof value === 'string' ? `'${shown}'` : shown;
}
const MAX_SHOWN = 60;

function invalid(key: ConfigKey, value: unknown, origin: string, expectation: string): FabricUserError {
  return new FabricUserError(`Invalid value ${show(value)} for ${key} (from ${origin}). ${expectation}`);
}

/** Values that YAML, env and flags all spell alike: numbers become their decimal text. */
function asWord(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function parseChoice(key: ConfigKey, raw: unknown, origin: string, rule: Extract<ValueRule, { kind: 'choice' }>): string {
  const word = asWord(raw)?.toLowerCase();
  const aliases = rule.aliases ?? {};
  if (word !== undefined && rule.choices.includes(word)) return word;
  if (word !== undefined && Object.hasOwn(aliases, word)) return aliases[word]!;
  const aliasNote = Object.keys(aliases).length
    ? ` The short forms ${Object.entries(aliases).map(([a, full]) => `${a} (${full})`).join(', ')} are accepted too.`
    : '';
  const suggestion = word === undefined ? undefined : didYouMean(word, [...rule.choices, ...Object.keys(aliases)]);
  const hint = suggestion === undefined ? '' : ` Did you mean '${suggestion}'?`;
  return raiseChoice(key, raw, origin, rule.choices, aliasNote + hint);
}

function raiseChoice(noun: string, raw: unknown, origin: string, choices: readonly string[], extra: string): never {
  throw new FabricUserError(
    `Unknown ${noun} ${show(raw)} (from ${origin}). Allowed values: ${choices.join(', ')}.${extra}`,
  );
}

const INTEGER_TEXT = /^[+-]?\d+$/;
// `\d+(\.\d*)?`, not `\d+\.?\d*`: the latter backtracks quadratically on a long run of digits that fails at its end.
const DECIMAL_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/** A whole number from a YAML number or integer text; undefined when it is neither. */
function toInteger(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : undefined;
  if (typeof raw === 'string' && INTEGER_TEXT.test(raw.trim())) {
    const value = Number(raw.trim());
    return Number.isSafeInteger(value) ? value : undefined;
  }
  return undefined;
}

function parseInteger(key: ConfigKey, raw: unknown, origin: string, rule: Extract<ValueRule, { kind: 'integer' }>): number | null | 'auto' {
  if (rule.nullable && (raw === null || (typeof raw === 'string' && /^(none|null)$/i.test(raw.trim())))) return null;
  if (rule.orAuto && typeof raw === 'string' && raw.trim().toLowerCase() === 'auto') return 'auto';
  const { min, max } = rule;
  const range =
    min !== undefined && max !== undefined ? ` from ${min} to ${max}` : min !== undefined ? ` of at least ${min}` : '';
  const alternative = rule.nullable ? `, or 'none' to leave it unset.` : rule.orAuto ? `, or 'auto' to let Fabric choose.` : '.';
  const expectation = `${key} must be a whole number${range}${alternative}`;
  const value = toInteger(raw);
  if (value === undefined) throw invalid(key, raw, origin, expectation);
  if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
    throw invalid(key, raw, origin, expectation);
  }
  return value;
}

function parsePositiveNumber(key: ConfigKey, raw: unknown, origin: string): number {
  const value = typeof raw === 'number' ? raw : typeof raw === 'string' && DECIMAL_TEXT.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw invalid(key, raw, origin, `${key} must be a number greater than 0, such as 0.5 or 2.`);
  }
  return value;
}

const DEVICES_HELP =
  "Pass a device count such as 2, a comma-separated list of device indices such as 0,2, or 'auto'.";

/** Each device is a process on this node; more than this is a typo, not a machine (and would start that many processes). */
const MAX_DEVICES = 1024;

function parseDevices(raw: unknown, origin: string): number | number[] | 'auto' {
  const tooFew = (note = ''): FabricUserError =>
    invalid('devices', raw, origin, `At least 1 device is needed. ${DEVICES_HELP}${note}`);
  const tooMany = (): FabricUserError =>
    invalid('devices', raw, origin, `At most ${MAX_DEVICES} devices per node: each one is a process on this machine. ${DEVICES_HELP}`);
  if (typeof raw === 'number' || (typeof raw === 'string' && INTEGER_TEXT.test(raw.trim()))) {
    const count = toInteger(raw);
    if (count === undefined) throw invalid('devices', raw, origin, DEVICES_HELP);
    // Lightning users write -1 for "every device"; point them at our spelling.
    if (count < 0) throw tooFew(` There is no -1 for "all devices" here: use 'auto'.`);
    if (count < 1) throw tooFew();
    if (count > MAX_DEVICES) throw tooMany();
    return count;
  }
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'auto') return 'auto';
  let items: unknown[] | undefined;
  if (Array.isArray(raw)) items = raw;
  else if (typeof raw === 'string' && /[,[]/.test(raw)) {
    // "0,2", "[0, 2]" and Lightning's "0," (a one-element list, not a count) all mean indices.
    const parts = raw.trim().replace(/^\[|\]$/g, '').split(',').map((part) => part.trim());
    if (parts.length > 1 && parts.at(-1) === '') parts.pop();
    items = parts;
  }
  if (items === undefined) throw invalid('devices', raw, origin, DEVICES_HELP);
  if (items.length === 0) throw tooFew();
  if (items.length > MAX_DEVICES) throw tooMany();
  const indices = items.map((item) => (typeof item === 'number' || typeof item === 'string' ? toInteger(item) : undefined));
  if (indices.some((index) => index === undefined || index < 0)) {
    throw invalid('devices', raw, origin, `Device indices must be whole numbers of 0 or more. ${DEVICES_HELP}`);
  }
  const list = indices as number[];
  const repeated = list.find((index, position) => list.indexOf(index) !== position);
  if (repeated !== undefined) {
    throw invalid('devices', raw, origin, `Device index ${repeated} is listed twice; list each device once.`);
  }
  return list;
}

function parsePort(raw: unknown, origin: string): number | 'auto' {
  if (typeof raw === 'string' && raw.trim().toLowerCase() === 'auto') return 'auto';
  const port = toInteger(raw);
  if (port === undefined || port < 1 || port > 65535) {
    throw invalid('mainPort', raw, origin, "mainPort must be a port number from 1 to 65535, or 'auto' to pick a free port.");
  }
  return port;
}

function parseText(key: ConfigKey, raw: unknown, origin: string, rule: Extract<ValueRule, { kind: 'text' }>): string {
  const text = asWord(raw);
  if (text === undefined || text === '') throw invalid(key, raw, origin, `${key} must be a non-empty text value.`);
  if (rule.pattern && !rule.pattern.test(text)) {
    throw invalid(key, raw, origin, `${key} must be ${rule.patternHint ?? 'different'}.`);
  }
  return text;
}

function parseBoolean(key: ConfigKey, raw: unknown, origin: string): boolean {
  if (typeof raw === 'boolean') return raw;
  const word = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim().toLowerCase() : '';
  if (['true', '1', 'yes', 'on'].includes(word)) return true;
  if (['false', '0', 'no', 'off'].includes(word)) return false;
  throw invalid(key, raw, origin, `${key} must be true or false.`);
}

function parseList(key: ConfigKey, raw: unknown, origin: string, rule: Extract<ValueRule, { kind: 'list' }>): string[] {
  const { choices } = rule;
  // `loggers: false` mirrors Lightning's logger=False; 'none' is the env/flag spelling of [].
  if (raw === false || raw === null || (typeof raw === 'string' && /^(none|)$/i.test(raw.trim()))) return [];
  const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : undefined;
  if (items === undefined) {
    throw invalid(key, raw, origin, `${key} must be a list such as [${choices.join(', ')}], a comma-separated text, or 'none'.`);
  }
  const result: string[] = [];
  for (const item of items) {
    const word = typeof item === 'string' ? item.trim().toLowerCase() : undefined;
    if (word === undefined || !choices.includes(word)) {
      const suggestion = word === undefined ? undefined : didYouMean(word, choices);
      raiseChoice(rule.itemName, item, origin, choices, suggestion === undefined ? '' : ` Did you mean '${suggestion}'?`);
    }
    if (!result.includes(word)) result.push(word);
  }
  return result;
}

/**
 * Parses and checks the raw value for `key`. `origin` says where it came from ('--devices',
 * 'FABRIC_DEVICES', 'configs/x.yaml:4:10') and appears in every error.
 */
export function validateConfigValue<K extends ConfigKey>(key: K, rawValue: unknown, origin: string): FabricConfig[K] {
  const spec = CONFIG_SCHEMA[key];
  if (spec === undefined) throw unknownConfigKeyError(String(key), origin);
  // null is a real value only for a nullable integer (seed: ~) and a list (loggers: ~ means none).
  const acceptsNull =
    ((spec.rule.kind === 'integer' || spec.rule.kind === 'text') && spec.rule.nullable === true) || spec.rule.kind === 'list';
  if (rawValue === undefined || (rawValue === null && !acceptsNull)) {
    throw new FabricUserError(
      `The key ${key} has no value (from ${origin}). Give it a value such as ${show(spec.default)}, or remove it to use the default.`,
    );
  }
  const rule = spec.rule;
  let value: unknown;
  switch (rule.kind) {
    case 'choice': value = parseChoice(key, rawValue, origin, rule); break;
    case 'integer': value = parseInteger(key, rawValue, origin, rule); break;
    case 'positive-number': value = parsePositiveNumber(key, rawValue, origin); break;
    case 'devices': value = parseDevices(rawValue, origin); break;
    case 'port': value = parsePort(rawValue, origin); break;
    case 'text': value = rawValue === null || (rule.nullable && /^none$/i.test(String(rawValue))) ? null : parseText(key, rawValue, origin, rule); break;
    case 'boolean': value = parseBoolean(key, rawValue, origin); break;
    case 'list': value = parseList(key, rawValue, origin, rule); break;
  }
  return value as FabricConfig[K];
}

/** Checks that need two keys at once; `origins` names where each value came from. */
export function validateConfigCombination(config: FabricConfig, origins: Readonly<Record<ConfigKey, string>>): void {
  if (config.nodeRank >= config.numNodes) {
    throw new FabricUserError(
      `nodeRank ${config.nodeRank} (from ${origins.nodeRank}) must be smaller than numNodes ${config.numNodes} ` +
        `(from ${origins.numNodes}), because nodes are numbered from 0. ` +
        (config.numNodes === 1
          ? 'With a single node, set nodeRank to 0, or raise numNodes.'
          : `Set nodeRank between 0 and ${config.numNodes - 1}, or raise numNodes.`),
    );
  }
}
