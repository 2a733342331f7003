import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { freePort } from './helpers.js';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures', 'rank.ts');
const TSX = import.meta.resolve('tsx');

interface RankRun {
  code: number | null;
  output: Record<string, unknown> | null;
  stderr: string;
}

function runRank(rank: number, worldSize: number, port: number, scenario: string): Promise<RankRun> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, RANK: String(rank), WORLD_SIZE: String(worldSize), PORT: String(port), TOKEN: 'cross-process-token', SCENARIO: scenario };
    delete env.NODE_OPTIONS;
    const child = spawn(process.execPath, ['--import', TSX, FIXTURE], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.on('exit', (code) => {
      const line = stdout.trim().split('\n').filter(Boolean).at(-1);
      resolve({ code, output: line ? (JSON.parse(line) as Record<string, unknown>) : null, stderr });
    });
  });
}

describe('collectives across real processes', () => {
  it('two child processes all-reduce, all-gather, broadcast and meet at a barrier', async () => {
    const port = await freePort();
    const runs = await Promise.all([0, 1].map((rank) => runRank(rank, 2, port, 'ops')));
    for (const run of runs) expect(run.code, run.stderr).toBe(0);
    const [r0, r1] = runs.map((run) => run.output!);
    for (const output of [r0, r1]) {
      expect(output.sumHead).toEqual([1, 3, 5]);
      expect(output.sumLast).toBe(2 * (1_000_002 % 100) + 1);
      expect(output.gathered).toEqual([[0, 0], [1, 1, 1]]);
      expect(output.config).toEqual({ lr: 0.1, from: r0.pid });
      expect(output.max).toBe(10);
      expect(output.transports).toEqual({ fromPrev: 'unix', toNext: 'unix' });
    }
    expect(r0.pid).not.toBe(r1.pid);
  });

  it('a rank that exits makes the next collective on the other rank fail fast, naming it', async () => {
    const port = await freePort();
    const [r0, r1] = await Promise.all([0, 1].map((rank) => runRank(rank, 2, port, 'die-after-first')));
    expect(r1.code).toBe(3);
    expect(r0.code, r0.stderr).toBe(0);
    expect(r0.output!.error).toMatch(/Rank 1 (closed its connection to rank 0|disconnected during allReduce #2)/);
    expect(r0.output!.ms as number).toBeLessThan(5000);
  });
});
