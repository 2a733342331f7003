/**
 * Where this tfjs-fabric package lives, and whether it is a source checkout (a generated project then
 * depends on it through a `file:` path) or an installed copy (a generated project depends on its version).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_NAME = 'tfjs-fabric';

export interface PackageInfo {
  root: string;
  version: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** Walks up from `from` (a file URL or path) to the folder whose package.json is tfjs-fabric's. */
export function findPackageRoot(from: string = import.meta.url): string {
  let dir = path.dirname(from.startsWith('file:') ? fileURLToPath(from) : from);
  for (;;) {
    const manifest = path.join(dir, 'package.json');
    if (fs.existsSync(manifest)) {
      try {
        if ((JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return dir;
      } catch {
        // An unreadable package.json on the way up is not ours; keep looking.
      }
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`Could not find the ${PACKAGE_NAME} package folder above ${from}.`);
    dir = parent;
  }
}

export function readPackageInfo(root: string = findPackageRoot()): PackageInfo {
  const json = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as Partial<PackageInfo>;
  return { root, version: json.version ?? '0.0.0', dependencies: json.dependencies ?? {}, devDependencies: json.devDependencies ?? {} };
}

/** A checkout has a .git, or at least does not sit inside a node_modules folder. */
export function isSourceCheckout(root: string): boolean {
  if (fs.existsSync(path.join(root, '.git'))) return true;
  return !fs.realpathSync(root).split(path.sep).includes('node_modules');
}

/** The dependency spec a generated project uses for tfjs-fabric: `file:<checkout>` or `^<version>`. */
export function fabricDependencySpec(info: PackageInfo): string {
  return isSourceCheckout(info.root) ? `file:${fs.realpathSync(info.root)}` : `^${info.version}`;
}
