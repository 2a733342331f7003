/** ARCHITECTURE: the launcher side (tui/, commands/logs.ts) never loads tfjs, fabric.ts or strategies/. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/cli.js';

const FORBIDDEN = [/^@tensorflow\//, /\/src\/fabric\.ts$/, /\/src\/strategies\//, /\/src\/collectives\//];

/** Value imports (not `import type`) of a source file, and its dynamic imports when asked. */
function importsOf(file: string, dynamic: boolean): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) found.push(match[1]);
  for (const match of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) found.push(match[1]);
  if (dynamic) for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) found.push(match[1]);
  return found;
}

function resolveLocal(from: string, specifier: string): string | undefined {
  if (!specifier.startsWith('.')) return undefined;
  const base = path.resolve(path.dirname(from), specifier);
  for (const candidate of [base.replace(/\.js$/, '.ts'), base.replace(/\.js$/, '.tsx')]) if (fs.existsSync(candidate)) return candidate;
  return undefined;
}

/** Every module `entry` loads, following relative imports; packages are listed by name. */
function reachable(entry: string, dynamic = true): Set<string> {
  const seen = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    // JSX compiles to imports of react/jsx-runtime that the source text does not show.
    if (file.endsWith('.tsx')) seen.add('react/jsx-runtime');
    for (const specifier of importsOf(file, dynamic)) {
      const local = resolveLocal(file, specifier);
      if (local) stack.push(local);
      else if (!specifier.startsWith('.')) seen.add(specifier);
    }
  }
  return seen;
}

const entries = [
  ...fs.readdirSync(path.join(REPO_ROOT, 'src/tui')).filter((f) => /\.tsx?$/.test(f)).map((f) => path.join(REPO_ROOT, 'src/tui', f)),
  path.join(REPO_ROOT, 'commands/logs.ts'),
];

describe('the dashboard and fabric logs stay light', () => {
  it.each(entries.map((e) => [path.relative(REPO_ROOT, e), e]))('%s never reaches tfjs, Fabric or strategies', (_name, entry) => {
    const bad = [...reachable(entry)].filter((m) => FORBIDDEN.some((pattern) => pattern.test(m)));
    expect(bad).toEqual([]);
  });

  // oclif (without a manifest) imports every command on every start: these must not load React or Ink.
  it.each(['commands/logs.ts', 'src/tui/choose-observer.ts'])('%s loads no React, Ink or asciichart until the dashboard is shown', (entry) => {
    const loaded = [...reachable(path.join(REPO_ROOT, entry), false)].filter((m) => /^(ink|react|asciichart)(\/|$)/.test(m));
    expect(loaded).toEqual([]);
  });

  it('follows imports (sanity check of this test)', () => {
    const modules = reachable(path.join(REPO_ROOT, 'src/tui/ink-observer.ts'));
    expect(modules.has('ink')).toBe(true);
    expect([...modules].some((m) => m.endsWith('src/tui/Dashboard.tsx'))).toBe(true);
  });
});
