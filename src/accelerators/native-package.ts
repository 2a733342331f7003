/**
 * Where the native engine's packages are and whether their addon was built, found without loading TensorFlow:
 * the launcher must stay small, and a broken addon must not take `fabric env` down with it.
 * tfjs-node and tfjs-node-gpu share one binding; each keeps it at lib/napi-v<N>/tfjs_binding.node (node-pre-gyp's
 * layout), and an install whose script never ran (npm 11 skips scripts it was not allowed to run) has none.
 */
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

export const TFJS_NODE = '@tensorflow/tfjs-node';
export const TFJS_NODE_GPU = '@tensorflow/tfjs-node-gpu';
export type NativePackageName = typeof TFJS_NODE | typeof TFJS_NODE_GPU;

export interface NativePackage {
  name: NativePackageName;
  version: string;
  dir: string;
  /** Where node-pre-gyp puts the addon for this Node; it may be missing. */
  addonPath: string;
  addonBuilt: boolean;
}

interface PreGypManifest {
  version?: string;
  binary?: { module_name?: string; module_path?: string; napi_versions?: number[] };
}

/** The package as installed next to tfjs-fabric (where the ranks import it from), or undefined. */
export function findNativePackage(name: NativePackageName, from: string = import.meta.url): NativePackage | undefined {
  let manifestPath: string;
  try {
    manifestPath = createRequire(from).resolve(`${name}/package.json`);
  } catch {
    return undefined;
  }
  return describeNativePackage(name, path.dirname(manifestPath));
}

/** Reads a package folder: its version and where its addon is (or would be). */
export function describeNativePackage(name: NativePackageName, dir: string, napiVersion: number = Number(process.versions.napi)): NativePackage {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as PreGypManifest;
  const binary = manifest.binary ?? {};
  // node-pre-gyp picks the highest N-API version the package was built for that this Node supports.
  const usable = (binary.napi_versions ?? []).filter((v) => v <= napiVersion);
  const napi = usable.length > 0 ? Math.max(...usable) : napiVersion;
  const modulePath = (binary.module_path ?? './lib/napi-v{napi_build_version}').replace('{napi_build_version}', String(napi));
  const addonPath = path.join(dir, modulePath, `${binary.module_name ?? 'tfjs_binding'}.node`);
  return { name, version: manifest.version ?? 'unknown', dir, addonPath, addonBuilt: fs.existsSync(addonPath) };
}

/** The exact commands that give an installed package its addon (npm 11 asks before running install scripts). */
export function addonFixCommands(name: NativePackageName): string[] {
  return [`npm install-scripts approve ${name}`, `npm rebuild ${name}`];
}

/** The fix commands as one inline-code phrase for messages: `a` then `b`. */
export function addonFixText(name: NativePackageName): string {
  return `\`${addonFixCommands(name).join('` then `')}\``;
}

/** The project package.json (from `cwd` up) whose allowScripts denies the package's install script, if any. */
export function findScriptDenial(name: NativePackageName, cwd: string = process.cwd()): { file: string; key: string } | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      try {
        const allow = (JSON.parse(fs.readFileSync(file, 'utf8')) as { allowScripts?: Record<string, unknown> }).allowScripts ?? {};
        const key = Object.keys(allow).find((entry) => (entry === name || entry.startsWith(`${name}@`)) && allow[entry] === false);
        if (key) return { file, key };
      } catch {
        // not JSON: not a project file we can read
      }
    }
    if (dir === path.dirname(dir)) return undefined;
  }
}

/**
 * One paragraph for a package without its addon: what happened and how to fix it, online or offline. npm 11 runs an
 * unreviewed install script with a notice, but skips it silently where the project's allowScripts denies it (and
 * `npm install-scripts approve` does not lift a denial), or under --ignore-scripts.
 */
export function missingAddonAdvice(pkg: Pick<NativePackage, 'name' | 'addonPath'>, denial: { file: string; key: string } | undefined = findScriptDenial(pkg.name)): string {
  const [approve, rebuild] = addonFixCommands(pkg.name);
  const lift = denial ? `${denial.file} denies its script ("allowScripts": {"${denial.key}": false}); lift that with \`npm pkg delete "allowScripts[${denial.key}]"\`, then allow` : 'Allow';
  return (
    `${pkg.name} is installed but its native addon was never built (${pkg.addonPath} is missing): its install script did not run. ` +
    `${lift} and run its script (it downloads libtensorflow): \`${approve}\` then \`${rebuild}\`. ` +
    `Offline, in a tfjs-fabric checkout, scripts/build-tfjs-node.sh builds it against the TensorFlow wheel's C library.`
  );
}

/** How to get tfjs-node-gpu working, for every cuda error. */
export const CUDA_INSTALL_HINT =
  `Install it in your project with \`npm install ${TFJS_NODE_GPU}\` and allow its install script (${addonFixText(TFJS_NODE_GPU)}); it needs an NVIDIA driver, CUDA 11.2 and cuDNN 8.1, and downloads libtensorflow. Or run with --accelerator=cpu.`;
