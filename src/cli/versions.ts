import { createRequire } from 'node:module';
import * as path from 'node:path';
import * as fs from 'node:fs';

const require = createRequire(import.meta.url);

/** Version of an installed package without importing it (the launcher must not load tfjs), or undefined. */
export function installedVersion(name: string): string | undefined {
  try {
    const entry = require.resolve(name);
    let dir = path.dirname(entry);
    while (dir !== path.dirname(dir)) {
      const manifest = path.join(dir, 'package.json');
      if (fs.existsSync(manifest)) {
        const json = JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string; version?: string };
        if (json.name === name) return json.version;
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return undefined;
}

export function runVersions(fabricVersion: string): Record<string, string> {
  const versions: Record<string, string> = { 'tfjs-fabric': fabricVersion, node: process.versions.node };
  for (const name of ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu']) {
    const version = installedVersion(name);
    if (version) versions[name] = version;
  }
  return versions;
}
