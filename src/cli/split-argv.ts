/**
 * Splits `fabric run model` argv at the script path, as torchrun does: flags before the script are
 * Fabric's, everything after it belongs to the script untouched (a `--` right after the script is dropped).
 */
export interface SplitArgv {
  fabricArgv: string[];
  script: string | undefined;
  scriptArgs: string[];
}

export function splitAtScript(argv: readonly string[], flagsWithValues: ReadonlySet<string>): SplitArgv {
  const fabricArgv: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i];
    if (token === '--') {
      const [script, ...rest] = argv.slice(i + 1);
      return { fabricArgv, script, scriptArgs: rest[0] === '--' ? rest.slice(1) : rest };
    }
    if (token.startsWith('-') && token !== '-') {
      fabricArgv.push(token);
      const name = token.replace(/^-+/, '');
      if (!token.includes('=') && flagsWithValues.has(name) && i + 1 < argv.length) fabricArgv.push(argv[++i]);
      continue;
    }
    const rest = argv.slice(i + 1);
    return { fabricArgv, script: token, scriptArgs: rest[0] === '--' ? rest.slice(1) : rest };
  }
  return { fabricArgv, script: undefined, scriptArgs: [] };
}
