/**
 * Splits `fabric run model` argv at the script path, as torchrun does: flags before the script are
 * Fabric's, everything after it belongs to the script untouched (a `--` right after the script is dropped).
 */
export interface SplitArgv {
  fabricArgv: string[];
  script: string | undefined;
  scriptArgs: string[];
}

interface ScriptPosition {
  fabricArgv: string[];
  /** Index of the script path in argv, or -1 when there is none. */
  index: number;
  /** The user wrote `--` before the script path, saying that everything after it is not Fabric's. */
  afterSeparator: boolean;
}

function locateScript(argv: readonly string[], flagsWithValues: ReadonlySet<string>): ScriptPosition {
  const fabricArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') return { fabricArgv, index: i + 1 < argv.length ? i + 1 : -1, afterSeparator: true };
    if (token.startsWith('-') && token !== '-') {
      fabricArgv.push(token);
      const name = token.replace(/^-+/, '');
      if (!token.includes('=') && flagsWithValues.has(name) && i + 1 < argv.length) fabricArgv.push(argv[++i]);
      continue;
    }
    return { fabricArgv, index: i, afterSeparator: false };
  }
  return { fabricArgv, index: -1, afterSeparator: false };
}

export function splitAtScript(argv: readonly string[], flagsWithValues: ReadonlySet<string>): SplitArgv {
  const { fabricArgv, index } = locateScript(argv, flagsWithValues);
  if (index < 0) return { fabricArgv, script: undefined, scriptArgs: [] };
  const rest = argv.slice(index + 1);
  return { fabricArgv, script: argv[index], scriptArgs: rest[0] === '--' ? rest.slice(1) : rest };
}

/**
 * Flags after the script path that are spelled like Fabric's own (`--devices 2`, `--strategy=fsdp`): they go to
 * the script by design, which silently runs one rank when the user meant them for Fabric. A `--` written by the
 * user (before the script, or anywhere after it) says the rest is the script's, so the scan stops there.
 */
export function fabricFlagsAfterScript(argv: readonly string[], flagsWithValues: ReadonlySet<string>, fabricFlagNames: ReadonlySet<string>): string[] {
  const { index, afterSeparator } = locateScript(argv, flagsWithValues);
  if (index < 0 || afterSeparator) return [];
  const found: string[] = [];
  for (const token of argv.slice(index + 1)) {
    if (token === '--') break;
    if (!token.startsWith('--')) continue;
    const name = token.slice(2).split('=')[0]!;
    if (fabricFlagNames.has(name) && !found.includes(`--${name}`)) found.push(`--${name}`);
  }
  return found;
}

/**
 * The one-line warning for `fabricFlagsAfterScript`'s findings. `command` is how the user starts it (`fabric run model`),
 * `positional` what they typed as the script path or checkpoint, `what` names that position (`the script path`).
 */
export function flagsAfterScriptWarning(flags: readonly string[], command: string, positional: string, what: string): string {
  return `tfjs-fabric: warning: ${flags.join(', ')} after ${positional} went to the script as its arguments, not to Fabric; Fabric's flags go before ${what} (\`${command} ${flags[0]} ... ${positional}\`), and a \`--\` right after ${positional} passes them to the script without this warning.`;
}

/** A command's flag names as the user may type them after `--`, `no-x` included where the flag allows it. */
export function typedFlagNames(flags: Record<string, { allowNo?: boolean }>): Set<string> {
  return new Set(Object.entries(flags).flatMap(([name, flag]) => (flag.allowNo ? [name, `no-${name}`] : [name])));
}
