import { describe, expect, it } from 'vitest';
import { expandSlurmHostlist, firstSlurmHost, splitSlurmHostlist } from '../../src/environments/slurm-hostlist.js';
import { userErrorOf } from '../helpers/user-error.js';

describe('splitSlurmHostlist', () => {
  it('splits at commas outside brackets and at whitespace', () => {
    expect(splitSlurmHostlist('node[001-003,007],gpu-a[1-2]')).toEqual(['node[001-003,007]', 'gpu-a[1-2]']);
    expect(splitSlurmHostlist('host0 host1,host2')).toEqual(['host0', 'host1', 'host2']);
    expect(splitSlurmHostlist('')).toEqual([]);
  });

  it('rejects brackets that do not pair up', () => {
    expect(userErrorOf(() => splitSlurmHostlist('node[1-2'))).toContain('a bracket is not closed');
    expect(userErrorOf(() => splitSlurmHostlist('node1-2]'))).toContain('do not pair up');
    expect(userErrorOf(() => splitSlurmHostlist('node[[1]]'))).toContain('do not pair up');
  });
});

describe('expandSlurmHostlist', () => {
  it('expands ranges and single numbers, keeping zero padding', () => {
    expect(expandSlurmHostlist('node[001-003,007],gpu-a[1-2]')).toEqual(['node001', 'node002', 'node003', 'node007', 'gpu-a1', 'gpu-a2']);
    expect(expandSlurmHostlist('n[08-10]')).toEqual(['n08', 'n09', 'n10']);
    expect(expandSlurmHostlist('n[9-10]')).toEqual(['n9', 'n10']);
    expect(expandSlurmHostlist('n[5]')).toEqual(['n5']);
  });

  it('multiplies several bracket groups in one name and keeps suffixes', () => {
    expect(expandSlurmHostlist('rack[1-2]-n[01-02].ib')).toEqual(['rack1-n01.ib', 'rack1-n02.ib', 'rack2-n01.ib', 'rack2-n02.ib']);
  });

  it('passes plain host names through', () => {
    expect(expandSlurmHostlist('alpha,beta.cluster.org')).toEqual(['alpha', 'beta.cluster.org']);
  });

  it('rejects malformed ranges, naming the part', () => {
    expect(userErrorOf(() => expandSlurmHostlist('n[a-b]'))).toContain("'a-b' inside brackets");
    expect(userErrorOf(() => expandSlurmHostlist('n[5-3]'))).toContain('the range 5-3 runs backwards');
  });
});

describe('firstSlurmHost', () => {
  it('returns the first host of the first group', () => {
    expect(firstSlurmHost('node[001-003,007],gpu-a[1-2]')).toBe('node001');
    expect(firstSlurmHost('gpu-a[7,1-2],node1')).toBe('gpu-a7');
    expect(firstSlurmHost('host3 host1')).toBe('host3');
    expect(firstSlurmHost('rack[2-3]-n[010-012]')).toBe('rack2-n010');
    expect(firstSlurmHost('single')).toBe('single');
  });

  it('does not expand huge ranges to find the first host', () => {
    expect(firstSlurmHost('n[0000001-9999999]')).toBe('n0000001');
  });

  it('still rejects a malformed first group, and an empty list', () => {
    expect(userErrorOf(() => firstSlurmHost('n[1-2,x]'))).toContain("'x' inside brackets");
    expect(userErrorOf(() => firstSlurmHost(' '))).toContain('it names no host');
  });
});
