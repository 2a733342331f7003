import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeNativePackage, findNativePackage, TFJS_NODE } from '../../src/accelerators/native-package.js';
import { loadAddonInChild, probeNativePackage, shortenError } from '../../src/accelerators/probe.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-probe-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A tfjs-node folder as npm leaves it when the install script did not run; `addon` writes a file where the addon goes. */
function nativePackage(addon?: string) {
  const dir = fs.mkdtempSync(path.join(tmp, 'pkg-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: TFJS_NODE, version: '4.22.0', binary: { module_name: 'tfjs_binding', module_path: './lib/napi-v{napi_build_version}', napi_versions: [8] } }));
  const pkg = describeNativePackage(TFJS_NODE, dir);
  if (addon !== undefined) {
    fs.mkdirSync(path.dirname(pkg.addonPath), { recursive: true });
    fs.writeFileSync(pkg.addonPath, addon);
  }
  return describeNativePackage(TFJS_NODE, dir);
}

describe('probeNativePackage', () => {
  it('reports a package without its addon and how to build it', () => {
    const probe = probeNativePackage(TFJS_NODE, {}, () => nativePackage());
    expect(probe).toMatchObject({ installed: true, addonBuilt: false, loads: false, version: '4.22.0' });
    expect(probe.fix).toContain('`npm install-scripts approve @tensorflow/tfjs-node` then `npm rebuild @tensorflow/tfjs-node`');
  });

  it('reports an addon that does not load with the loader error, shortened to one line', () => {
    const probe = probeNativePackage(TFJS_NODE, {}, () => nativePackage('not an ELF file'));
    expect(probe).toMatchObject({ installed: true, addonBuilt: true, loads: false });
    expect(probe.error).toMatch(/tfjs_binding\.node: (invalid ELF header|file too short)/);
    expect(probe.error).not.toContain('\n');
  });

  it('says when the package is not installed', () => {
    expect(probeNativePackage(TFJS_NODE, {}, () => undefined)).toEqual({ package: TFJS_NODE, installed: false });
  });

  const installed = findNativePackage(TFJS_NODE);
  it.runIf(installed?.addonBuilt)('loads the real addon in a child and reads the libtensorflow version from the binding', () => {
    const answer = loadAddonInChild(installed!.addonPath, process.env);
    expect(answer).toMatchObject({ loads: true, usesGpu: false });
    expect(answer.tensorflowVersion).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('shortenError', () => {
  it('keeps the first non-empty line and cuts a long one', () => {
    expect(shortenError('\n  Error: x\n    at y')).toBe('Error: x');
    expect(shortenError('e'.repeat(500))).toHaveLength(243);
  });
});
