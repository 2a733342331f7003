/**
 * Shipped YAML presets: `configs/<name>.yaml` in the tfjs-fabric package, chosen with `--preset <name>`.
 * A preset is the lowest-priority file layer (below ./fabric.config.yaml and --config).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FabricUserError } from '../errors.js';
import { findPackageRoot } from '../init/package-root.js';
import { didYouMean } from './suggest.js';

/** The package's configs/ folder. */
export function presetsDir(packageRoot: string = findPackageRoot()): string {
  return path.join(packageRoot, 'configs');
}

/** Names of the shipped presets, sorted. */
export function listPresets(dir: string = presetsDir()): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((file) => file.endsWith('.yaml'))
    .map((file) => file.slice(0, -'.yaml'.length))
    .sort();
}

/** The file of preset `name` (a name, not a path; `cpu` and `cpu.yaml` both work). */
export function presetFile(name: string, dir: string = presetsDir()): string {
  const bare = name.endsWith('.yaml') ? name.slice(0, -'.yaml'.length) : name;
  const available = listPresets(dir);
  if (!available.includes(bare)) {
    const startingSo = available.filter((preset) => preset.startsWith(bare));
    const guess = didYouMean(bare, available) ?? (startingSo.length === 1 ? startingSo[0] : undefined);
    throw new FabricUserError(
      `--preset ${name} is not a shipped preset.${guess ? ` Did you mean --preset ${guess}?` : ''} Available: ${available.join(', ')}. For your own file use --config <file.yaml>.`,
    );
  }
  return path.join(dir, `${bare}.yaml`);
}
