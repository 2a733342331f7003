/**
 * Reads a Fabric YAML config file (`fabric.config.yaml` or the one given with `--config`).
 * Every problem is reported as `file:line:column` so the user can jump straight to it.
 */
import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { LineCounter, isMap, isNode, isScalar, parseDocument, type Node } from 'yaml';
import { FabricUserError } from '../errors.js';
import type { ConfigKey, FabricConfig } from './schema.js';
import { normalizeConfigKey, unknownConfigKeyError, validateConfigValue } from './validate.js';

export interface YamlConfig {
  values: Partial<FabricConfig>;
  /** Where each key was set, as `file:line:column` of the key. */
  origins: Partial<Record<ConfigKey, string>>;
}

export interface ReadYamlOptions {
  /** How the file is named in messages (e.g. './fabric.config.yaml'); defaults to `path`. */
  displayPath?: string;
}

function readText(path: string, shown: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new FabricUserError(
        `The config file '${shown}' does not exist (looked for ${resolvePath(path)}). ` +
          `Check the path given with --config, or create the file.`,
      );
    }
    if (code === 'EISDIR') {
      throw new FabricUserError(`The config file '${shown}' is a directory. Pass the path of a YAML file instead.`);
    }
    throw new FabricUserError(
      `The config file '${shown}' could not be read (${code ?? (error as Error).message}). Check that it exists and is readable.`,
    );
  }
}

/** The parser's reason, without the offending text when that is long (a huge token would swamp the message). */
function shortReason(message: string): string {
  const line = message.split('\n')[0].replace(/[\u0000-\u001f\u007f]/g, '?');
  return line.length > 160 ? `${line.slice(0, 160)}...` : line;
}

/** Reads, parses and validates a config file, keeping where each key was written. */
export function readYamlConfigFile(path: string, options: ReadYamlOptions = {}): YamlConfig {
  const shown = options.displayPath ?? path;
  const text = readText(path, shown);
  // NUL bytes or bytes that are not UTF-8 (decoded as U+FFFD): not a YAML file at all, e.g. a checkpoint or a binary.
  if (/[\u0000\ufffd]/.test(text)) {
    throw new FabricUserError(`The config file '${shown}' is not a text file (it holds binary data). Pass a YAML file of 'key: value' lines such as 'devices: 2'.`);
  }
  const lineCounter = new LineCounter();
  // prettyErrors off: we print our own `file:line:column` and want the parser's short reason only.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  const where = (offset: number): string => {
    const { line, col } = lineCounter.linePos(offset);
    return `${shown}:${line}:${col}`;
  };

  const firstError = doc.errors[0];
  if (firstError !== undefined) {
    throw new FabricUserError(
      `The config file ${where(firstError.pos[0])} is not valid YAML: ${shortReason(firstError.message)}. ` +
        `Fix the YAML at that position; a config file is a list of 'key: value' lines such as 'devices: 2'.`,
    );
  }

  const values: Partial<FabricConfig> = {};
  const origins: Partial<Record<ConfigKey, string>> = {};
  const contents = doc.contents;
  // An empty file (or one holding only comments) is a valid config that sets nothing.
  if (contents === null || (isScalar(contents) && contents.value === null)) return { values, origins };
  if (!isMap(contents)) {
    throw new FabricUserError(
      `The config file ${where(contents.range?.[0] ?? 0)} must be a mapping of keys to values, such as 'devices: 2', ` +
        `but it holds a ${isNode(contents) && 'items' in contents ? 'list' : 'single value'}. Write one 'key: value' per line.`,
    );
  }

  for (const pair of contents.items) {
    const keyNode = pair.key as Node | null;
    const keyOrigin = where(keyNode?.range?.[0] ?? contents.range?.[0] ?? 0);
    if (!isScalar(keyNode) || (typeof keyNode.value !== 'string' && typeof keyNode.value !== 'number')) {
      throw new FabricUserError(
        `The config file has a key at ${keyOrigin} that is not a plain name. Use plain keys such as 'devices: 2'.`,
      );
    }
    const name = String(keyNode.value);
    const key = normalizeConfigKey(name);
    if (key === undefined) throw unknownConfigKeyError(name, keyOrigin);
    if (origins[key] !== undefined) {
      throw new FabricUserError(
        `The key '${name}' at ${keyOrigin} sets ${key}, which is already set at ${origins[key]}. Keep only one of them.`,
      );
    }
    const valueNode = pair.value as Node | null;
    // An empty value ('precision:') has a zero-width range; point at the key instead.
    const valueStart = valueNode?.range && valueNode.range[1] > valueNode.range[0] ? valueNode.range[0] : undefined;
    const valueOrigin = valueStart === undefined ? keyOrigin : where(valueStart);
    const raw = isNode(valueNode) ? valueNode.toJS(doc) : valueNode;
    (values as Record<ConfigKey, unknown>)[key] = validateConfigValue(key, raw, valueOrigin);
    origins[key] = keyOrigin;
  }
  return { values, origins };
}

/** Reads and validates a config file, returning only the values it sets. */
export function loadYamlConfigFile(path: string): Partial<FabricConfig> {
  return readYamlConfigFile(path).values;
}
