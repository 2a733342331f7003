import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { detectLsf, lsfEnvironment, readLsfComputeHosts } from '../../src/environments/lsf.js';
import { userErrorOf } from '../helpers/user-error.js';

let dir: string;
let rankfile: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fabric-lsf-'));
  rankfile = join(dir, 'rankfile');
  // The launch node first, then each compute host once per slot, as LSF writes it.
  writeFileSync(rankfile, ['batch1', 'c01.cluster', 'c01.cluster', 'c02.cluster', 'c02.cluster', 'c03.cluster', ''].join('\n'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** jsrun's variables for global rank 3, the second rank on c02. */
function jsrun(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    LSB_JOBID: '123456',
    LSB_DJOB_RANKFILE: rankfile,
    JSM_NAMESPACE_SIZE: '6',
    JSM_NAMESPACE_RANK: '3',
    JSM_NAMESPACE_LOCAL_RANK: '1',
    JSM_NAMESPACE_LOCAL_SIZE: '2',
    ...extra,
  };
}

describe('detectLsf', () => {
  it('needs the job id, the rank file and jsrun\'s variables', () => {
    expect(detectLsf(jsrun())).toBe(true);
    expect(detectLsf({ ...jsrun(), LSB_DJOB_RANKFILE: '' })).toBe(false);
    expect(detectLsf({ LSB_JOBID: '1' })).toBe(false);
  });
});

describe('readLsfComputeHosts', () => {
  it('skips the launch node and lists each compute host once, in file order', () => {
    expect(readLsfComputeHosts(rankfile)).toEqual(['c01.cluster', 'c02.cluster', 'c03.cluster']);
  });

  it('explains an unreadable file and a file with only the launch node', () => {
    expect(userErrorOf(() => readLsfComputeHosts(join(dir, 'missing')))).toContain('ENOENT');
    writeFileSync(rankfile, 'batch1\n');
    expect(userErrorOf(() => readLsfComputeHosts(rankfile))).toContain('lists no compute host after its first line');
  });
});

describe('lsfEnvironment', () => {
  it('reads ranks from jsrun and finds this host in the rank file', () => {
    expect(lsfEnvironment(jsrun(), { hostname: 'c02.cluster' })).toMatchObject({
      name: 'lsf',
      externallyLaunched: true,
      launchedBy: 'jsrun',
      worldSize: 6,
      globalRank: 3,
      localRank: 1,
      nodeRank: 1,
      mainAddress: 'c01.cluster',
      mainPort: 10000 + (123456 % 5000),
    });
  });

  it('matches a short host name against a qualified one', () => {
    expect(lsfEnvironment(jsrun(), { hostname: 'c03' }).nodeRank).toBe(2);
  });

  it('falls back to rank / local size when the host is not listed, and fails without a local size', () => {
    expect(lsfEnvironment(jsrun({ JSM_NAMESPACE_RANK: '5', JSM_NAMESPACE_LOCAL_RANK: '1' }), { hostname: 'elsewhere' }).nodeRank).toBe(2);
    const { JSM_NAMESPACE_LOCAL_SIZE: _, ...noLocalSize } = jsrun();
    const message = userErrorOf(() => lsfEnvironment(noLocalSize, { hostname: 'elsewhere' }));
    expect(message).toContain("This host ('elsewhere') is not among the compute hosts");
    expect(message).toContain('c01.cluster, c02.cluster, c03.cluster');
  });

  it('lets MASTER_ADDR / MASTER_PORT and the flags override the rank file and job id', () => {
    expect(lsfEnvironment(jsrun({ MASTER_ADDR: 'h', MASTER_PORT: '3000' }), { hostname: 'c01' })).toMatchObject({ mainAddress: 'h', mainPort: 3000 });
    expect(lsfEnvironment(jsrun({ MASTER_PORT: '3000' }), { hostname: 'c01', mainPort: 4000 }).mainPort).toBe(4000);
  });

  it('reports counts: ranks per host, hosts in the rank file, total', () => {
    const { counts } = lsfEnvironment(jsrun(), { hostname: 'c01' });
    expect(counts.perNode).toMatchObject({ value: 2, shownAs: 'JSM_NAMESPACE_LOCAL_SIZE=2' });
    expect(counts.nodes).toMatchObject({ value: 3, shownAs: '3 compute host(s) in LSB_DJOB_RANKFILE' });
    expect(counts.nodes!.fix!(2)).toBe('`#BSUB -nnodes 2`');
    expect(counts.world).toMatchObject({ value: 6 });
  });

  it('rejects ranks outside the namespace and names missing variables', () => {
    expect(userErrorOf(() => lsfEnvironment(jsrun({ JSM_NAMESPACE_RANK: '6' }), { hostname: 'c01' }))).toContain('JSM_NAMESPACE_RANK=6 is not below JSM_NAMESPACE_SIZE=6');
    const { JSM_NAMESPACE_RANK: _, ...noRank } = jsrun();
    expect(userErrorOf(() => lsfEnvironment(noRank, { hostname: 'c01' }))).toContain('JSM_NAMESPACE_RANK is not set');
    const { LSB_DJOB_RANKFILE: _f, ...noFile } = jsrun();
    expect(userErrorOf(() => lsfEnvironment(noFile, { hostname: 'c01' }))).toContain('LSB_DJOB_RANKFILE is not set');
  });
});
