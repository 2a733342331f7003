/**
 * Many ranks through the real CLI: DDP training matches a single-rank run, failures and signals tear the
 * whole run down, and two launchers on one machine train together as two nodes.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually, fixture, isAlive, makeTempDir, normalizeMessage, readRankWeights, removeTempDirs, runModel, startCli } from '../helpers/cli.js';

const script = fixture('ddp-train.ts');
afterAll(() => removeTempDirs());

function weightsOf(dir: string, rank: number): Float32Array[] {
  return readRankWeights(dir, rank).weights;
}

function pidsOf(dir: string): number[] {
  return fs.readdirSync(dir).filter((f) => f.startsWith('pid_rank')).map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
}


describe('fabric run model --devices=2 --strategy=ddp', () => {
  it('trains two ranks to identical weights that match one rank on the same global batch', async () => {
    const root = makeTempDir();
    const two = makeTempDir();
    const one = makeTempDir();
    const ddp = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', '--strategy=ddp', '--accelerator=cpu'], script, scriptArgs: ['--batch', '8', '--out-dir', two], timeoutMs: 90_000 });
    expect(ddp.code, ddp.output).toBe(0);
    const single = await runModel({ cwd: root, rootDir: root, flags: ['--devices=1', '--accelerator=cpu'], script, scriptArgs: ['--batch', '16', '--out-dir', one], timeoutMs: 90_000 });
    expect(single.code, single.output).toBe(0);
    const [rank0, rank1, reference] = [weightsOf(two, 0), weightsOf(two, 1), weightsOf(one, 0)];
    expect(rank1).toEqual(rank0);
    rank0.forEach((tensor, i) => tensor.forEach((value, j) => expect(Math.abs(value - reference[i][j])).toBeLessThan(1e-5)));
    // Rank 0 logs; both ranks have their own log file.
    const runDir = path.join(root, 'fabric', 'version_0');
    expect(fs.readFileSync(path.join(runDir, 'rank_0.log'), 'utf8')).toContain('rank done at step 6');
    // fabric.print speaks on rank 0 only.
    expect(fs.readFileSync(path.join(runDir, 'rank_1.log'), 'utf8')).not.toContain('rank done');
    expect(fs.readFileSync(path.join(runDir, 'metrics.csv'), 'utf8').trim().split('\n')).toHaveLength(7);
    expect(JSON.parse(fs.readFileSync(path.join(runDir, 'run.json'), 'utf8'))).toMatchObject({ worldSize: 2, status: 'finished' });
  });

  it('tears the whole run down when one rank throws, naming it and its stack', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const result = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', '--accelerator=cpu'], script, scriptArgs: ['--out-dir', out, '--fail-rank', '1', '--fail-at', '3', '--steps', '1000', '--sleep-ms', '20'], timeoutMs: 90_000 });
    expect(result.code).toBe(1);
    expect(result.output).toContain('[rank 1] Error: injected failure on rank 1 at step 3');
    expect(result.output).toMatch(/\[rank 1\] .*ddp-train\.ts:\d+/);
    expect(result.output).toContain('rank_1.log');
    for (const pid of pidsOf(out)) expect(isAlive(pid)).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'fabric', 'version_0', 'run.json'), 'utf8'))).toMatchObject({ status: 'failed', exitCode: 1, failedRank: 1 });
  });

  it('blames the rank that failed, not the peer whose links broke because of it', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const result = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', '--accelerator=cpu'], script, scriptArgs: ['--out-dir', out, '--fail-rank', '0', '--fail-at', '3', '--steps', '1000'], timeoutMs: 90_000 });
    expect(result.code).toBe(1);
    expect(result.output).toContain('[rank 0] exited with code 1; stopping the other ranks.');
    expect(result.output).not.toContain('[rank 1] exited with code');
    expect(JSON.parse(fs.readFileSync(path.join(root, 'fabric', 'version_0', 'run.json'), 'utf8'))).toMatchObject({ status: 'failed', failedRank: 0 });
  });

  it('stops gracefully on the first SIGINT and leaves no rank behind', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const cli = startCli(['run', 'model', `--root-dir=${root}`, '--devices=2', '--accelerator=cpu', script, '--out-dir', out, '--steps', '100000', '--sleep-ms', '20'], { cwd: root, timeoutMs: 60_000 });
    await cli.waitFor(/started on backend/);
    await eventually(() => pidsOf(out).length === 2, 20_000);
    await eventually(() => fs.existsSync(path.join(root, 'fabric/version_0/progress.jsonl')), 20_000);
    cli.child.kill('SIGINT');
    const result = await cli.done;
    expect(result.code).toBe(130);
    expect(result.output).toContain('asking the ranks to stop');
    for (const pid of pidsOf(out)) expect(isAlive(pid)).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'fabric', 'version_0', 'run.json'), 'utf8')).status).toBe('interrupted');
  });

  it('lets ranks exit by themselves when the launcher is SIGKILLed', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const cli = startCli(['run', 'model', `--root-dir=${root}`, '--devices=2', '--accelerator=cpu', script, '--out-dir', out, '--steps', '100000', '--sleep-ms', '20'], { cwd: root, timeoutMs: 60_000 });
    await cli.waitFor(/started on backend/);
    expect(await eventually(() => pidsOf(out).length === 2, 20_000)).toBe(true);
    cli.child.kill('SIGKILL');
    await cli.done;
    expect(await eventually(() => pidsOf(out).every((pid) => !isAlive(pid)), 5_000)).toBe(true);
  });

  it('refuses a --main-port that is in use, naming the port and the flag', async () => {
    const root = makeTempDir();
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as net.AddressInfo).port;
    try {
      const result = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', `--main-port=${port}`], script });
      expect(result.code).toBe(2);
      expect(normalizeMessage(result.output)).toContain(`Port ${port} on 127.0.0.1 (from --main-port) is already in use`);
    } finally {
      server.close();
    }
  });

  it('fails a collective that waits past --collective-timeout, naming the rank that did not arrive', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const result = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', '--accelerator=cpu', '--collective-timeout=3'], script, scriptArgs: ['--out-dir', out, '--skip-rank', '1'], timeoutMs: 90_000 });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/timed out/);
    expect(result.output).toMatch(/did not arrive: 1\b/);
    for (const pid of pidsOf(out)) expect(isAlive(pid)).toBe(false);
  });

  it('reports a stopped rank as stalled', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const cli = startCli(['run', 'model', `--root-dir=${root}`, '--devices=2', '--accelerator=cpu', '--stall-timeout=2', script, '--out-dir', out, '--steps', '100000', '--sleep-ms', '20'], { cwd: root, timeoutMs: 60_000 });
    await cli.waitFor(/started on backend/);
    expect(await eventually(() => pidsOf(out).length === 2, 20_000)).toBe(true);
    const victim = Number(fs.readFileSync(path.join(out, 'pid_rank1'), 'utf8'));
    process.kill(victim, 'SIGSTOP');
    try {
      await cli.waitFor(/\[rank 1\] stalled: no heartbeat/);
    } finally {
      process.kill(victim, 'SIGCONT');
      cli.child.kill('SIGINT');
    }
    await cli.done;
    for (const pid of pidsOf(out)) expect(isAlive(pid)).toBe(false);
  });
});

describe('two nodes on one machine', () => {
  it('train together over TCP with a shared token file', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const tokenFile = path.join(root, 'fabric.token');
    fs.writeFileSync(tokenFile, 'a-shared-secret-for-this-test\n');
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const common = ['--num-nodes=2', '--devices=1', '--accelerator=cpu', `--main-port=${port}`, `--token-file=${tokenFile}`];
    const nodes = [0, 1].map((nodeRank) =>
      startCli(['run', 'model', `--root-dir=${path.join(root, `node${nodeRank}`)}`, ...common, `--node-rank=${nodeRank}`, script, '--out-dir', out], { cwd: root, timeoutMs: 90_000 }),
    );
    const [node0, node1] = await Promise.all(nodes.map((n) => n.done));
    expect(node0.code, node0.output).toBe(0);
    expect(node1.code, node1.output).toBe(0);
    expect(weightsOf(out, 1)).toEqual(weightsOf(out, 0));
  });

  it('refuses a multi-node run without a token, saying how to make one', async () => {
    const root = makeTempDir();
    const result = await runModel({ cwd: root, rootDir: root, flags: ['--num-nodes=2', '--node-rank=1', '--main-port=29999'], script });
    expect(result.code).toBe(2);
    expect(normalizeMessage(result.output)).toContain('openssl rand -hex 32');
  });
});
