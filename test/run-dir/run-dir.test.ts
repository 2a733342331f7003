import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { writeFileAtomicSync } from '../../src/run-dir/atomic-file.js';
import {
  createRunDir,
  findLatestRun,
  listRuns,
  readRunInfo,
  runPaths,
  writeRunInfo,
  type RunInfo,
} from '../../src/run-dir/run-dir.js';

const runDirModule = fileURLToPath(new URL('../../src/run-dir/run-dir.ts', import.meta.url));

/** Runs an ES module snippet in a fresh Node process that can import our TypeScript through tsx. */
function runNode(code: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode, stdout, stderr }));
  });
}

function sampleInfo(overrides: Partial<RunInfo> = {}): RunInfo {
  return {
    command: ['fabric', 'run', 'model', 'train.ts', '--devices=2'],
    script: 'train.ts',
    scriptArgs: ['--epochs', '3'],
    config: { accelerator: 'cpu', devices: 2, strategy: 'ddp', precision: '32-true' },
    configSources: { devices: 'flag', accelerator: 'default' },
    versions: { 'tfjs-fabric': '0.1.0', node: process.version },
    worldSize: 2,
    startTime: '2025-01-02T03:04:05.000Z',
    status: 'running',
    cwd: '/home/user/project',
    ...overrides,
  };
}

let root: string;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-rundir-'));
});
afterEach(() => {
  fs.rmSync(root, { recursive: true, force: true });
});

describe('runPaths', () => {
  it('names every file of the run layout', () => {
    const p = runPaths('/r/exp/version_3');
    expect(p).toMatchObject({
      dir: '/r/exp/version_3',
      runJson: '/r/exp/version_3/run.json',
      progress: '/r/exp/version_3/progress.jsonl',
      metricsCsv: '/r/exp/version_3/metrics.csv',
      hparams: '/r/exp/version_3/hparams.yaml',
      checkpoints: '/r/exp/version_3/checkpoints',
    });
    expect(p.rankLog(0)).toBe('/r/exp/version_3/rank_0.log');
    expect(p.rankLog(12)).toBe('/r/exp/version_3/rank_12.log');
  });
});

describe('createRunDir', () => {
  it('numbers versions from 0 and creates checkpoints/', () => {
    const first = createRunDir(root, 'exp');
    const second = createRunDir(root, 'exp');
    expect(first.dir).toBe(path.join(root, 'exp', 'version_0'));
    expect(second.dir).toBe(path.join(root, 'exp', 'version_1'));
    expect(fs.statSync(first.checkpoints).isDirectory()).toBe(true);
    expect(createRunDir(root, 'other').dir).toBe(path.join(root, 'other', 'version_0'));
  });

  it('continues after the highest version and ignores entries that are not version folders', () => {
    fs.mkdirSync(path.join(root, 'exp', 'version_7'), { recursive: true });
    fs.mkdirSync(path.join(root, 'exp', 'version_x'));
    fs.writeFileSync(path.join(root, 'exp', 'version_99'), 'a file, not a run');
    expect(createRunDir(root, 'exp').dir).toBe(path.join(root, 'exp', 'version_8'));
  });

  it('gives 10 runs made in a loop 10 distinct versions', () => {
    const dirs = Array.from({ length: 10 }, () => createRunDir(root, 'loop').dir);
    expect(new Set(dirs).size).toBe(10);
    expect(listRuns(root).map((r) => r.version)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('never hands the same version to processes racing each other', async () => {
    const processes = 6;
    const perProcess = 5;
    const startAt = Date.now() + 1500; // all children spin until the same instant, then race
    const code = `
      import { createRunDir } from ${JSON.stringify(runDirModule)};
      while (Date.now() < ${startAt}) {}
      const dirs = [];
      for (let i = 0; i < ${perProcess}; i++) dirs.push(createRunDir(${JSON.stringify(root)}, 'race').dir);
      console.log(JSON.stringify(dirs));`;
    const results = await Promise.all(Array.from({ length: processes }, () => runNode(code)));
    const dirs: string[] = [];
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      dirs.push(...(JSON.parse(result.stdout) as string[]));
    }
    expect(new Set(dirs).size).toBe(processes * perProcess);
    const versions = listRuns(root).map((r) => r.version);
    expect(versions).toEqual(Array.from({ length: processes * perProcess }, (_, i) => i));
  });

  it.each(['', '.', '..', '../escape', 'a/b', 'a\\b', ' padded'])('rejects the unsafe name %j', (name) => {
    expect(() => createRunDir(root, name)).toThrow(FabricUserError);
    expect(fs.readdirSync(root)).toEqual([]);
  });

  it('explains when the name is taken by a file', () => {
    fs.writeFileSync(path.join(root, 'exp'), '');
    expect(() => createRunDir(root, 'exp')).toThrow(/a file with that name/);
  });
});

describe('listRuns and findLatestRun', () => {
  it('returns nothing for a missing or empty root', () => {
    expect(listRuns(path.join(root, 'missing'))).toEqual([]);
    expect(findLatestRun(path.join(root, 'missing'))).toBeUndefined();
    expect(findLatestRun(root, 'exp')).toBeUndefined();
  });

  it('lists runs by name then version with their paths', () => {
    createRunDir(root, 'b');
    createRunDir(root, 'a');
    createRunDir(root, 'a');
    const runs = listRuns(root);
    expect(runs.map((r) => [r.name, r.version, r.dir])).toEqual([
      ['a', 0, path.join(root, 'a', 'version_0')],
      ['a', 1, path.join(root, 'a', 'version_1')],
      ['b', 0, path.join(root, 'b', 'version_0')],
    ]);
    for (const run of runs) expect(run.mtimeMs).toBeGreaterThan(0);
  });

  it('finds the highest version of a name, and the most recently touched run overall', () => {
    const a0 = createRunDir(root, 'a');
    const a1 = createRunDir(root, 'a');
    const b0 = createRunDir(root, 'b');
    const old = new Date('2024-01-01T00:00:00Z');
    for (const p of [a0, a1, b0]) fs.utimesSync(p.dir, old, old);
    expect(findLatestRun(root, 'a')?.dir).toBe(a1.dir);
    expect(findLatestRun(root, 'b')?.dir).toBe(b0.dir);

    // a0 is older by number but its run.json was written last, so it is the run someone just used.
    writeRunInfo(a0, sampleInfo());
    const recent = new Date('2024-06-01T00:00:00Z');
    fs.utimesSync(a0.runJson, recent, recent);
    fs.utimesSync(a0.dir, old, old);
    expect(findLatestRun(root)?.dir).toBe(a0.dir);
    expect(findLatestRun(root)?.runJson).toBe(a0.runJson);
  });

  it('rejects an unsafe name when looking up', () => {
    expect(() => findLatestRun(root, '../x')).toThrow(FabricUserError);
  });
});

describe('run.json', () => {
  it('round-trips every field and can be rewritten when the run ends', () => {
    const paths = createRunDir(root, 'exp');
    const info = sampleInfo();
    writeRunInfo(paths, info);
    expect(readRunInfo(paths)).toEqual(info);

    const finished = { ...info, status: 'finished' as const, endTime: '2025-01-02T04:00:00.000Z', exitCode: 0 };
    writeRunInfo(paths, finished);
    expect(readRunInfo(paths)).toEqual(finished);
    expect(fs.readdirSync(paths.dir).sort()).toEqual(['checkpoints', 'run.json']); // no temp files left
  });

  it('explains a missing, corrupt or foreign run.json', () => {
    const paths = createRunDir(root, 'exp');
    expect(() => readRunInfo(paths)).toThrow(FabricUserError);
    expect(() => readRunInfo(paths)).toThrow(/No run.json/);
    fs.writeFileSync(paths.runJson, '{"command": ["fabric"');
    expect(() => readRunInfo(paths)).toThrow(/not valid JSON/);
    fs.writeFileSync(paths.runJson, JSON.stringify({ ...sampleInfo(), status: 'exploded' }));
    expect(() => readRunInfo(paths)).toThrow(/does not describe a run/);
    fs.writeFileSync(paths.runJson, '[1, 2]');
    expect(() => readRunInfo(paths)).toThrow(FabricUserError);
  });

  it('is never seen half-written by a reader while another process rewrites it', async () => {
    const paths = createRunDir(root, 'exp');
    writeRunInfo(paths, sampleInfo());
    const done = path.join(root, 'writer-done');
    // A large config makes each write span many blocks, so a non-atomic write would be caught mid-way.
    const code = `
      import { runPaths, writeRunInfo } from ${JSON.stringify(runDirModule)};
      import { writeFileSync } from 'node:fs';
      const paths = runPaths(${JSON.stringify(paths.dir)});
      const base = ${JSON.stringify(sampleInfo())};
      for (let i = 0; i < 300; i++) {
        const config = Object.fromEntries(Array.from({ length: 2000 + (i % 7) * 500 }, (_, k) => ['key' + k, i]));
        writeRunInfo(paths, { ...base, config });
      }
      writeFileSync(${JSON.stringify(done)}, 'ok');`;
    const writer = runNode(code);
    let reads = 0;
    const deadline = Date.now() + 30_000;
    while (!fs.existsSync(done) && Date.now() < deadline) {
      const info = readRunInfo(paths); // throws on a torn file
      expect(info.command[0]).toBe('fabric');
      reads++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await writer;
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(reads).toBeGreaterThan(0);
    expect(Object.keys(readRunInfo(paths).config).length).toBeGreaterThanOrEqual(2000);
  });
});

describe('writeFileAtomicSync', () => {
  it('replaces the content in one step and cleans up its temp file when the rename fails', () => {
    const file = path.join(root, 'state.json');
    writeFileAtomicSync(file, 'first');
    writeFileAtomicSync(file, 'second');
    expect(fs.readFileSync(file, 'utf8')).toBe('second');

    const blocked = path.join(root, 'blocked');
    fs.mkdirSync(path.join(blocked, 'non-empty'), { recursive: true });
    expect(() => writeFileAtomicSync(blocked, 'data')).toThrow();
    expect(fs.readdirSync(root).sort()).toEqual(['blocked', 'state.json']);
  });
});
