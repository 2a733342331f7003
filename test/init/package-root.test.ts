import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fabricDependencySpec, findPackageRoot, isSourceCheckout, readPackageInfo } from '../../src/init/package-root.js';
import { REPO_ROOT } from '../helpers/cli.js';

const temp: string[] = [];
afterAll(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A fake installed copy: <tmp>/project/node_modules/tfjs-fabric with a package.json and no .git. */
function installedCopy(version = '1.2.3'): string {
  const base = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-installed-')));
  temp.push(base);
  const root = path.join(base, 'project', 'node_modules', 'tfjs-fabric');
  fs.mkdirSync(path.join(root, 'dist', 'src', 'init'), { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'tfjs-fabric', version, dependencies: { yaml: '2.9.1' } }));
  return root;
}

describe('findPackageRoot', () => {
  it("finds this checkout's root from a file inside it (URL or path)", () => {
    expect(findPackageRoot(import.meta.url)).toBe(REPO_ROOT);
    expect(findPackageRoot(path.join(REPO_ROOT, 'src', 'init', 'scaffold.ts'))).toBe(REPO_ROOT);
  });

  it('skips package.json files of other packages on the way up', () => {
    const root = installedCopy();
    const nested = path.join(root, 'dist', 'src', 'init');
    fs.writeFileSync(path.join(root, 'dist', 'package.json'), JSON.stringify({ name: 'not-us' }));
    expect(findPackageRoot(path.join(nested, 'x.js'))).toBe(root);
  });

  it('says so when there is none', () => {
    expect(() => findPackageRoot(path.join(os.tmpdir(), 'nowhere', 'x.js'))).toThrow(/Could not find the tfjs-fabric package folder/);
  });
});

describe('isSourceCheckout / fabricDependencySpec', () => {
  it('a checkout (this repo, with .git) is used through a file: path', () => {
    expect(isSourceCheckout(REPO_ROOT)).toBe(true);
    expect(fabricDependencySpec(readPackageInfo(REPO_ROOT))).toBe(`file:${fs.realpathSync(REPO_ROOT)}`);
  });

  it('an installed copy inside node_modules is used by its version', () => {
    const root = installedCopy('1.2.3');
    expect(isSourceCheckout(root)).toBe(false);
    const info = readPackageInfo(root);
    expect(info).toMatchObject({ root, version: '1.2.3', dependencies: { yaml: '2.9.1' }, devDependencies: {} });
    expect(fabricDependencySpec(info)).toBe('^1.2.3');
  });

  it('a copy inside node_modules that has a .git (npm link of a clone) still counts as a checkout', () => {
    const root = installedCopy();
    fs.mkdirSync(path.join(root, '.git'));
    expect(isSourceCheckout(root)).toBe(true);
  });
});
