/**
 * memory: bytes of parameters + gradients + optimizer state one rank holds for the Transformer demo's model
 * (templates/transformer-lm defaults, Adam) at 2 ranks, for ddp, zero1, zero2 and fsdp, as a ratio to ddp in
 * the same run. "peak" is the larger of just after backward and just after the optimizer step; "at rest" is
 * between steps. Accounted = the strategy's own bookkeeping; measured = tfjs tensor bytes + typed arrays held.
 * Usage: node --import tsx bench/memory.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-bench-memory-'));
type Point = { accounted: number; measured: number };
interface Report {
  strategy: string;
  parameterCount: number;
  points: Record<'afterBackward' | 'afterStep' | 'atRest', Point>;
}

const reports: Report[] = [];
for (const strategy of ['ddp', 'zero1', 'zero2', 'fsdp']) {
  const out = path.join(tmp, strategy);
  execFileSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'run', 'model', '--no-tui', '--devices=2', `--strategy=${strategy}`, `--root-dir=${path.join(tmp, 'runs')}`, path.join(root, 'bench', 'scripts', 'memory-report.ts'), '--out', out], {
    cwd: tmp,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  // Rank 0's and rank 1's shares differ by at most one element; report the larger.
  const ranks = [0, 1].map((r) => JSON.parse(fs.readFileSync(`${out}.rank${r}.json`, 'utf8')) as Report);
  reports.push(ranks.reduce((a, b) => (b.points.atRest.accounted > a.points.atRest.accounted ? b : a)));
}
fs.rmSync(tmp, { recursive: true, force: true });

const kib = (bytes: number) => `${(bytes / 1024).toFixed(0)} KiB`;
const peak = (r: Report, kind: keyof Point) => Math.max(r.points.afterBackward[kind], r.points.afterStep[kind]);
const ddp = reports[0]!;
console.log(`memory per rank, Transformer demo model (${ddp.parameterCount.toLocaleString('en-US')} parameters, Adam), 2 ranks`);
console.log('strategy | peak accounted | peak measured | at rest accounted | at rest measured | peak vs ddp | at rest vs ddp');
for (const r of reports) {
  console.log(
    [r.strategy, kib(peak(r, 'accounted')), kib(peak(r, 'measured')), kib(r.points.atRest.accounted), kib(r.points.atRest.measured), (peak(r, 'accounted') / peak(ddp, 'accounted')).toFixed(2), (r.points.atRest.accounted / ddp.points.atRest.accounted).toFixed(2)].join(' | '),
  );
}
const fsdp = reports.at(-1)!;
const ratio = peak(fsdp, 'accounted') / peak(ddp, 'accounted');
console.log(`fsdp per-rank peak / ddp: ${ratio.toFixed(2)} (target <= 0.55: ${ratio <= 0.55 ? 'met' : 'missed'})`);
