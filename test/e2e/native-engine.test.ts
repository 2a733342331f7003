/**
 * The native engine through the real CLI: each rank's thread budget, --threads-per-rank, TensorFlow's and tfjs's
 * load messages kept out of rank logs and the dashboard unless --verbose, and what cuda says on a machine without
 * tfjs-node-gpu or a GPU. Runs with FABRIC_TFJS_BACKEND unset, so ranks pick the engine as a user's would.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findNativePackage, TFJS_NODE, TFJS_NODE_GPU } from '../../src/accelerators/native-package.js';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli } from '../helpers/cli.js';

afterAll(() => removeTempDirs());

const nativeBuilt = findNativePackage(TFJS_NODE)?.addonBuilt === true;
const cores = os.availableParallelism();
/** TensorFlow's load lines (absl, oneDNN, cpu_feature_guard) and tfjs's Node.js banner. */
const NOISE = /absl::InitializeLog|oneDNN custom operations|cpu_feature_guard|^[IW]\d{4} \d\d:\d\d:\d+\.\d+ +\d+ \S+:\d+\]|looks like you are running TensorFlow\.js in Node\.js/m;

async function run(flags: string[], env: Record<string, string | undefined> = {}) {
  const cwd = makeTempDir();
  const result = await runCli(['run', 'model', '--no-tui', '--loggers=none', ...flags, fixture('thread-report.ts')], { cwd, env: { FABRIC_TFJS_BACKEND: undefined, ...env }, timeoutMs: 90_000 });
  const runDir = path.join(cwd, 'runs', 'fabric', 'version_0');
  const logs = fs.existsSync(runDir) ? fs.readdirSync(runDir).filter((f) => f.startsWith('rank_')).map((f) => fs.readFileSync(path.join(runDir, f), 'utf8')).join('\n') : '';
  const reports = [...logs.matchAll(/thread report: rank (\d+) backend=(\S+) intra=(\S+) inter=(\S+) log-level=(\S+) cuda=(\S+)/g)].map((m) => ({ rank: Number(m[1]), backend: m[2], intra: m[3], inter: m[4], logLevel: m[5], cuda: m[6] }));
  return { result, logs, reports, runDir };
}

describe.runIf(nativeBuilt)('native engine (tfjs-node) under the CLI', () => {
  it('gives each of 2 ranks cores / 2 TensorFlow threads and keeps the load messages out of the output and the rank logs', async () => {
    const { result, logs, reports } = await run(['--devices=2']);
    expect(result.code, result.output).toBe(0);
    const budget = String(Math.max(1, Math.floor(cores / 2)));
    expect(reports.map((r) => r.rank).sort()).toEqual([0, 1]);
    for (const report of reports) expect(report).toMatchObject({ backend: 'tensorflow', intra: budget, inter: budget, logLevel: '1' });
    // Only rank 0 is shown live; rank 1 speaks through its log.
    expect(result.stdout).toContain('thread report: rank 0');
    expect(result.output).not.toMatch(NOISE);
    expect(logs).not.toMatch(NOISE);
  });

  it('shows TensorFlow’s load messages in the output and the log with --verbose, and leaves its log level alone', async () => {
    const { result, logs, reports } = await run(['--verbose']);
    expect(result.code, result.output).toBe(0);
    expect(reports[0]).toMatchObject({ backend: 'tensorflow', logLevel: 'unset' });
    // TensorFlow 2.x logs on load (absl's preamble, oneDNN, cpu_feature_guard): the run shows what it printed.
    expect(logs).toMatch(NOISE);
    expect(result.stdout).toMatch(NOISE);
  });

  it('applies --threads-per-rank, warns in one line when ranks x threads exceed the cores, and respects TF_NUM_* the user set', async () => {
    const two = await run(['--devices=1', '--threads-per-rank=2']);
    expect(two.result.code, two.result.output).toBe(0);
    expect(two.reports[0]).toMatchObject({ intra: '2', inter: '2' });
    const over = await run([`--devices=2`, `--threads-per-rank=${cores}`]);
    expect(over.result.code, over.result.output).toBe(0);
    expect(over.result.stdout).toContain(`tfjs-fabric: warning: 2 rank(s) x ${cores} TensorFlow threads = ${2 * cores} threads on ${cores} cores`);
    const kept = await run(['--devices=1'], { TF_NUM_INTRAOP_THREADS: '1' });
    expect(kept.result.code, kept.result.output).toBe(0);
    expect(kept.reports[0]).toMatchObject({ intra: '1', inter: String(cores) });
    expect(kept.result.stdout).toContain('tfjs-fabric: keeping TF_NUM_INTRAOP_THREADS=1 from the environment');
  });

  it('--devices auto starts one single-threaded rank per core, and says so', async () => {
    const { result, reports } = await run(['--devices=auto']);
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain(`tfjs-fabric: --devices auto: ${cores} rank(s) with 1 TensorFlow thread each, one per core`);
    expect(reports).toHaveLength(cores);
    for (const report of reports) expect(report.intra).toBe('1');
  });
});

describe('the settings that do not apply, and cuda without its package or a GPU', () => {
  it('says in one line that --threads-per-rank has no effect on wasm, and sets no thread variables there', async () => {
    const { result, reports } = await run(['--threads-per-rank=2'], { FABRIC_TFJS_BACKEND: 'wasm' });
    expect(result.code, result.output).toBe(0);
    expect(result.stdout).toContain('tfjs-fabric: threadsPerRank=2 (from --threads-per-rank) has no effect: ranks run on the wasm backend');
    expect(reports[0]).toMatchObject({ backend: 'wasm', intra: 'unset', inter: 'unset' });
  });

  it("keeps tfjs's Node.js banner out of the pure-JS backend's output unless --verbose", async () => {
    const quiet = await run([], { FABRIC_TFJS_BACKEND: 'cpu' });
    expect(quiet.result.code, quiet.result.output).toBe(0);
    expect(quiet.reports[0]!.backend).toBe('cpu');
    expect(quiet.result.output + quiet.logs).not.toContain('looks like you are running TensorFlow.js in Node.js');
    const verbose = await run(['--verbose'], { FABRIC_TFJS_BACKEND: 'cpu' });
    expect(verbose.logs).toContain('Hi, looks like you are running TensorFlow.js in Node.js');
  });

  it.skipIf(findNativePackage(TFJS_NODE_GPU))('--accelerator cuda without tfjs-node-gpu stops before starting a rank, naming the package (never tfjs-node instead)', async () => {
    const { result, runDir, reports } = await run(['--accelerator=cuda', '--devices=0,2']);
    expect(result.code).toBe(2);
    const message = normalizeMessage(result.stderr);
    expect(message).toContain('--accelerator=cuda needs the package @tensorflow/tfjs-node-gpu, which is not installed.');
    expect(message).toContain('npm install @tensorflow/tfjs-node-gpu');
    expect(reports).toEqual([]);
    expect(fs.existsSync(runDir)).toBe(false);
  });
});
