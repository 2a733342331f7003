/**
 * checkpoint: save and load time and MB/s of a ~100 MB model, one file from one rank vs shards from 2 zero2
 * ranks, each as a ratio to plain fs.writeFile / fs.readFile of the same bytes by the same ranks in the same run
 * (target: save >= 0.70 of writeFile). Our save also hashes (SHA-256) and fsyncs every file, and renames the
 * directory into place; writeFile does none of that, so a second anchor writes the same bytes with a SHA-256 and
 * an fsync ("durable write"), the least any crash-safe, verified checkpoint must do.
 * Usage: node --import tsx bench/checkpoint.ts [--mb 100] [--runs 3]
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const { values } = parseArgs({ options: { mb: { type: 'string', default: '100' }, runs: { type: 'string', default: '3' } } });
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Next to the repository, on the disk checkpoints would go to (not a tmpfs /tmp).
const work = fs.mkdtempSync(path.join(root, '.bench-checkpoint-'));
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

try {
  console.log(`checkpoint save/load of a ${values.mb} MB model (medians of ${values.runs})`);
  console.log('layout | save MB/s | writeFile MB/s | save / writeFile | durable write MB/s | save / durable write | load MB/s | readFile MB/s | load / readFile');
  for (const [strategy, devices] of [['single_device', 1], ['zero2', 2]] as const) {
    const out = execFileSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'run', 'model', '--no-tui', `--devices=${devices}`, `--strategy=${strategy}`, `--root-dir=${path.join(work, 'runs')}`, path.join(root, 'bench', 'scripts', 'checkpoint-io.ts'), '--dir', work, '--mb', values.mb!, '--runs', values.runs!], {
      cwd: work,
      encoding: 'utf8',
      env: { ...process.env, NODE_ENV: 'production' },
      maxBuffer: 2 ** 26,
    });
    const line = out.split('\n').find((l) => l.includes('CHECKPOINT_IO '))!;
    const r = JSON.parse(line.slice(line.indexOf('CHECKPOINT_IO ') + 14)) as Record<string, number[]> & { bytes: number };
    const mbps = (seconds: number) => r.bytes / 2 ** 20 / seconds;
    const [save, write, load, read, durable] = [median(r.save!), median(r.writeFile!), median(r.load!), median(r.readFile!), median(r.durableWrite!)];
    const label = devices === 1 ? 'one file, 1 rank' : `${devices} shards, ${devices} ${strategy} ranks`;
    console.log([label, mbps(save).toFixed(0), mbps(write).toFixed(0), (write / save).toFixed(2), mbps(durable).toFixed(0), (durable / save).toFixed(2), mbps(load).toFixed(0), mbps(read).toFixed(0), (read / load).toFixed(2)].join(' | '));
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
