import * as os from 'node:os';
import { Command, Flags } from '@oclif/core';
import { runVersions } from '../src/cli/versions.js';
import { resolveConfig } from '../src/config/resolve.js';
import type { WasmKernelCoverage } from '../src/accelerators/wasm-kernels/index.js';
import { isFabricUserError } from '../src/errors.js';
import { defaultThreadsPerRank, THREAD_VARIABLES } from '../src/launcher/thread-budget.js';
import { TF_LOG_LEVEL_VARIABLE } from '../src/launcher/tensorflow-noise.js';

export default class Env extends Command {
  static override summary = 'Print the environment: Node, OS, CPU, tfjs packages, the native engine (tfjs-node), which backends load, threads and the resolved defaults.';
  static override description =
    'Paste its output into bug reports. Like `accelerate env`: it loads TensorFlow.js once to see which backends work here. The native addon of tfjs-node / tfjs-node-gpu is loaded in a separate process, so a broken one cannot take this command down; when a package has no addon, it says how to build it.';
  static override examples = ['<%= config.bin %> env', '<%= config.bin %> env --json'];
  static override flags = {
    json: Flags.boolean({ description: 'Print machine-readable JSON.' }),
    config: Flags.string({ description: 'Also resolve this YAML config file.', helpValue: '<file.yaml>' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Env);
    let resolved;
    try {
      resolved = resolveConfig({ flags: {}, env: process.env, configFile: flags.config, cwd: process.cwd() });
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
    // tfjs is loaded here only, on demand: the launcher path never imports it.
    const { probeBackends } = await import('../src/accelerators/probe.js');
    const probe = await probeBackends(process.env);
    const cpus = os.cpus();
    const cores = os.availableParallelism();
    const threads = {
      cores,
      threadsPerRank: resolved.config.threadsPerRank,
      threadsPerRankFrom: resolved.sources.threadsPerRank.origin,
      // What a native rank gets with threadsPerRank auto, by ranks on this node.
      defaultPerRank: Object.fromEntries([1, 2, 4].map((ranks) => [ranks, defaultThreadsPerRank(cores, ranks)])),
      environment: Object.fromEntries([...THREAD_VARIABLES, TF_LOG_LEVEL_VARIABLE].map((name) => [name, process.env[name] ?? null])),
    };
    const report = {
      versions: runVersions(this.config.version),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
      memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      native: probe.native,
      backends: probe.backends,
      resolvedAccelerator: { cpu: probe.cpu, auto: probe.auto },
      wasm: probe.wasm ?? null,
      wasmSimd: probe.wasmSimd,
      wasmKernelCoverage: probe.wasmKernelCoverage ?? null,
      threads,
      forcedBackend: process.env.FABRIC_TFJS_BACKEND ?? null,
      config: resolved.config,
      configSources: Object.fromEntries(Object.entries(resolved.sources).map(([k, v]) => [k, v.origin])),
    };
    if (flags.json) {
      this.log(JSON.stringify(report, null, 2));
      return;
    }
    const row = (name: string, value: string) => this.log(`  ${name.padEnd(32)} ${value}`);
    this.log('tfjs-fabric environment');
    for (const [name, version] of Object.entries(report.versions)) row(name, version);
    row('OS', report.os);
    row('CPU', report.cpu);
    row('memory', report.memory);
    this.log('native engine (tfjs-node, tfjs-node-gpu)');
    for (const p of probe.native) {
      const state = !p.installed ? 'not installed' : !p.addonBuilt ? `${p.version}, installed WITHOUT its native addon` : p.loads ? `${p.version}, addon loads, libtensorflow ${p.tensorflowVersion}${p.usesGpu ? ', GPU found' : ''}` : `${p.version}, addon fails to load: ${p.error}`;
      row(p.package, state);
      if (p.fix) this.log(`    fix: ${p.fix}`);
    }
    this.log('backends');
    for (const b of probe.backends) this.log(`  ${b.backend.padEnd(18)} ${b.package.padEnd(32)} ${b.loads ? 'yes' : 'no '}  ${b.detail}`);
    this.log(`  --accelerator=cpu  -> ${probe.cpu}`);
    this.log(`  --accelerator=auto -> ${probe.auto}`);
    if (probe.wasm) this.log(`  wasm engine: SIMD ${probe.wasm.simd ? 'on' : 'off'}, threads off (tfjs cannot start its worker in Node; use one rank per core: --devices auto); ${probe.wasm.reason}`);
    this.log(`  wasm kernel coverage: ${formatCoverage(report.wasmKernelCoverage)}`);
    if (report.forcedBackend) this.log(`  FABRIC_TFJS_BACKEND=${report.forcedBackend}`);
    this.log('threads (native engine)');
    row('cores', String(cores));
    row('threadsPerRank', `${resolved.config.threadsPerRank} (${threads.threadsPerRankFrom})${resolved.config.threadsPerRank === 'auto' ? `: each rank gets cores / local ranks: ${Object.entries(threads.defaultPerRank).map(([ranks, n]) => `${ranks} rank(s) -> ${n}`).join(', ')}` : ''}`);
    for (const [name, value] of Object.entries(threads.environment)) {
      row(name, value ?? (name === TF_LOG_LEVEL_VARIABLE ? 'unset (ranks get 1 unless --verbose)' : 'unset (Fabric sets it per rank)'));
    }
    this.log('resolved config (flags > env > --config > ./fabric.config.yaml > defaults)');
    for (const [key, value] of Object.entries(resolved.config)) this.log(`  ${key.padEnd(22)} ${JSON.stringify(value).padEnd(20)} ${report.configSources[key]}`);
  }
}

/** Our wasm kernels and those on the pure-JS fallback, one line. */
function formatCoverage(coverage: WasmKernelCoverage | null): string {
  if (coverage === null) return 'none: the WebAssembly backend does not load here';
  return Object.entries(coverage)
    .map(([kind, names]) => `${kind}: ${names.length} (${names.join(', ')})`)
    .join('; ');
}
