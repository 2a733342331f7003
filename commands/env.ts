import * as os from 'node:os';
import { Command, Flags } from '@oclif/core';
import { runVersions } from '../src/cli/versions.js';
import { resolveConfig } from '../src/config/resolve.js';
import { isFabricUserError } from '../src/errors.js';

export default class Env extends Command {
  static override summary = 'Print the environment: Node, OS, CPU, tfjs packages, which backends load, and the resolved defaults.';
  static override description = 'Paste its output into bug reports. Like `accelerate env`: it loads TensorFlow.js once to see which backends work here.';
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
    const report = {
      versions: runVersions(this.config.version),
      os: `${os.type()} ${os.release()} ${os.arch()}`,
      cpu: `${cpus[0]?.model ?? 'unknown'} x ${cpus.length}`,
      memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
      backends: probe.backends,
      resolvedAccelerator: { cpu: probe.cpu, auto: probe.auto },
      wasmSimd: probe.wasmSimd,
      forcedBackend: process.env.FABRIC_TFJS_BACKEND ?? null,
      config: resolved.config,
      configSources: Object.fromEntries(Object.entries(resolved.sources).map(([k, v]) => [k, v.origin])),
    };
    if (flags.json) {
      this.log(JSON.stringify(report, null, 2));
      return;
    }
    this.log('tfjs-fabric environment');
    for (const [name, version] of Object.entries(report.versions)) this.log(`  ${name.padEnd(32)} ${version}`);
    this.log(`  ${'OS'.padEnd(32)} ${report.os}`);
    this.log(`  ${'CPU'.padEnd(32)} ${report.cpu}`);
    this.log(`  ${'memory'.padEnd(32)} ${report.memory}`);
    this.log('backends');
    for (const b of probe.backends) this.log(`  ${b.backend.padEnd(18)} ${b.package.padEnd(32)} ${b.loads ? 'yes' : 'no '}  ${b.detail}`);
    this.log(`  --accelerator=cpu  -> ${probe.cpu}`);
    this.log(`  --accelerator=auto -> ${probe.auto}`);
    if (probe.wasmSimd !== undefined) this.log(`  wasm SIMD: ${probe.wasmSimd ? 'on' : 'off'}; wasm threads: off (tfjs cannot start its worker in Node; use one rank per core: --devices auto)`);
    if (report.forcedBackend) this.log(`  FABRIC_TFJS_BACKEND=${report.forcedBackend}`);
    this.log('resolved config (flags > env > --config > ./fabric.config.yaml > defaults)');
    for (const [key, value] of Object.entries(resolved.config)) this.log(`  ${key.padEnd(22)} ${JSON.stringify(value).padEnd(20)} ${report.configSources[key]}`);
  }
}
