/** Under a real external launcher (Open MPI's mpirun), each process runs its own rank and they train together. */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_BIN, cleanEnv, fixture, makeTempDir, removeTempDirs } from '../helpers/cli.js';

const hasMpirun = spawnSync('mpirun', ['--version']).status === 0;
afterAll(() => removeTempDirs());

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.skipIf(!hasMpirun)('mpirun -np 2 fabric run model', () => {
  it('runs one rank per MPI process and ends with identical weights', async () => {
    const root = makeTempDir();
    const out = makeTempDir();
    const tokenFile = path.join(root, 'fabric.token');
    fs.writeFileSync(tokenFile, 'mpi-test-secret\n');
    const args = ['--allow-run-as-root', '--oversubscribe', '-np', '2', process.execPath, CLI_BIN, 'run', 'model', `--root-dir=${root}`, '--accelerator=cpu', `--main-port=${await freePort()}`, `--token-file=${tokenFile}`, fixture('ddp-train.ts'), '--out-dir', out];
    const child = spawn('mpirun', args, { cwd: root, env: cleanEnv({ OMPI_MCA_plm_rsh_agent: '' }), stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code, output).toBe(0);
    expect(output).toContain('started by mpirun');
    const weights = [0, 1].map((rank) => JSON.parse(fs.readFileSync(path.join(out, `weights_rank${rank}.json`), 'utf8')) as { worldSize: number; weights: string[] });
    expect(weights[0].worldSize).toBe(2);
    expect(weights[1].weights).toEqual(weights[0].weights);
  });

  it('refuses to run without a shared token', async () => {
    const root = makeTempDir();
    const result = spawnSync('mpirun', ['--allow-run-as-root', '--oversubscribe', '-np', '2', process.execPath, CLI_BIN, 'run', 'model', `--root-dir=${root}`, '--main-port=29731', fixture('ddp-train.ts')], { cwd: root, env: cleanEnv(), encoding: 'utf8' });
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('openssl rand -hex 32');
  });
});
