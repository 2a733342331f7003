/**
 * `npm run test:faults`: the fault-injection suite (test/faults) with larger counts than inside `npm test`,
 * then a table per fault: runs, outcomes as expected, processes left behind, data lost. Counts come from the
 * environment (defaults below; any of them can be overridden), the seed from FABRIC_FAULT_SEED.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Outcome } from '../test/faults/harness.js';

const root = path.resolve(fileURLToPath(new URL('..', import.meta.url)));
const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-faults-')), 'outcomes.jsonl');
const counts: Record<string, string> = {
  FABRIC_FAULT_RUNS: '5',
  FABRIC_FAULT_KILL_POINTS: '1000', // every filesystem operation of the save
  FABRIC_FAULT_CORRUPTIONS: '20',
  FABRIC_FAULT_FLOOD: '1000',
  FABRIC_FUZZ_CASES: '3000',
  FABRIC_FUZZ_CLI_CASES: '30',
};
const env: NodeJS.ProcessEnv = { ...process.env, FABRIC_FAULT_REPORT: report };
for (const [name, value] of Object.entries(counts)) env[name] ??= value;
console.log(`fault suite: ${Object.keys(counts).map((name) => `${name}=${env[name]}`).join(' ')} seed=${env.FABRIC_FAULT_SEED ?? 'default'}`);

const vitest = spawnSync(process.execPath, [path.join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'test/faults', ...process.argv.slice(2)], { cwd: root, env, stdio: 'inherit' });

const rows = new Map<string, { runs: number; expected: number; leftBehind: number; lost: number; notes: string[] }>();
const lines = fs.existsSync(report) ? fs.readFileSync(report, 'utf8').trim().split('\n').filter(Boolean) : [];
for (const line of lines) {
  const outcome = JSON.parse(line) as Outcome;
  const row = rows.get(outcome.fault) ?? { runs: 0, expected: 0, leftBehind: 0, lost: 0, notes: [] };
  const runs = outcome.count ?? 1;
  row.runs += runs;
  row.expected += outcome.count === undefined ? (outcome.expected ? 1 : 0) : runs - (outcome.failed ?? 0);
  row.leftBehind += outcome.leftBehind;
  row.lost += outcome.lost;
  if (!outcome.expected && outcome.detail) row.notes.push(outcome.detail);
  rows.set(outcome.fault, row);
}

const table = [
  '| fault | runs | as expected | processes left behind | data lost |',
  '|---|---|---|---|---|',
  ...[...rows].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([fault, r]) => `| ${fault} | ${r.runs} | ${r.expected} | ${r.leftBehind} | ${r.lost} |`),
];
const totals = [...rows.values()].reduce((t, r) => ({ runs: t.runs + r.runs, expected: t.expected + r.expected, leftBehind: t.leftBehind + r.leftBehind, lost: t.lost + r.lost }), { runs: 0, expected: 0, leftBehind: 0, lost: 0 });
table.push(`| **total** | ${totals.runs} | ${totals.expected} | ${totals.leftBehind} | ${totals.lost} |`);
console.log(`\n${table.join('\n')}\n`);
for (const [fault, r] of rows) for (const note of r.notes.slice(0, 5)) console.log(`not as expected: ${fault}: ${note}`);
const allGood = totals.runs > 0 && totals.expected === totals.runs && totals.leftBehind === 0 && totals.lost === 0;
console.log(allGood ? 'all as expected, 0 left behind, 0 lost' : 'some outcomes were not as expected (see above)');
process.exit(vitest.status !== 0 ? (vitest.status ?? 1) : allGood ? 0 : 1);
