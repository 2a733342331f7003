import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeNativePackage, findNativePackage, findScriptDenial, missingAddonAdvice, TFJS_NODE, TFJS_NODE_GPU } from '../../src/accelerators/native-package.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A package folder as npm 11 leaves tfjs-node when its install script was not allowed: manifest, no lib/. */
export function packageWithoutAddon(name = TFJS_NODE): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-native-pkg-'));
  dirs.push(dir);
  const manifest = { name, version: '4.22.0', binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}', napi_versions: [3, 4, 5, 6, 7, 8] } };
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest));
  return dir;
}

describe('findNativePackage', () => {
  const installed = findNativePackage(TFJS_NODE);

  it.runIf(installed)('finds the installed tfjs-node and puts its addon where node-pre-gyp (which tfjs-node uses) looks', () => {
    const preGyp = createRequire(path.join(installed!.dir, 'package.json'))('@mapbox/node-pre-gyp') as { find(manifest: string): string };
    expect(installed!.addonPath).toBe(path.resolve(preGyp.find(path.join(installed!.dir, 'package.json'))));
    expect(installed!.addonBuilt).toBe(fs.existsSync(installed!.addonPath));
    expect(installed!.version).toMatch(/^4\.\d+\.\d+$/);
  });

  it.skipIf(fs.existsSync(path.join(process.cwd(), 'node_modules', TFJS_NODE_GPU)))('answers undefined for a package that is not installed', () => {
    expect(findNativePackage(TFJS_NODE_GPU)).toBeUndefined();
  });
});

describe('describeNativePackage', () => {
  it('sees a package without its addon, and picks the highest N-API version this Node supports', () => {
    const dir = packageWithoutAddon();
    const pkg = describeNativePackage(TFJS_NODE, dir, 6);
    expect(pkg).toMatchObject({ name: TFJS_NODE, version: '4.22.0', addonBuilt: false });
    expect(pkg.addonPath).toBe(path.join(dir, 'lib', 'napi-v6', 'tfjs_binding.node'));
    fs.mkdirSync(path.join(dir, 'lib', 'napi-v8'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
    expect(describeNativePackage(TFJS_NODE, dir, 9).addonBuilt).toBe(true);
  });

  it('tells how to fix a package without its addon: approve and run its script, or build offline', () => {
    const advice = missingAddonAdvice({ name: TFJS_NODE_GPU, addonPath: '/p/lib/napi-v8/tfjs_binding.node' }, undefined);
    expect(advice).toContain('`npm install-scripts approve @tensorflow/tfjs-node-gpu` then `npm rebuild @tensorflow/tfjs-node-gpu`');
    expect(advice).toContain('scripts/build-tfjs-node.sh');
    expect(advice).toContain('/p/lib/napi-v8/tfjs_binding.node is missing');
  });

  it("finds a project's denial of the script and says how to lift it first (npm's approve does not)", () => {
    const project = packageWithoutAddon();
    fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', allowScripts: { 'other': true, '@tensorflow/tfjs-node@4.22.0': false } }));
    const nested = path.join(project, 'src', 'deep');
    fs.mkdirSync(nested, { recursive: true });
    const denial = findScriptDenial(TFJS_NODE, nested);
    expect(denial).toEqual({ file: path.join(project, 'package.json'), key: '@tensorflow/tfjs-node@4.22.0' });
    expect(findScriptDenial(TFJS_NODE_GPU, nested)).toBeUndefined();
    expect(missingAddonAdvice({ name: TFJS_NODE, addonPath: '/a.node' }, denial)).toContain('lift that with `npm pkg delete "allowScripts[@tensorflow/tfjs-node@4.22.0]"`, then allow and run its script');
  });
});
