import { describe, expect, it } from 'vitest';
import { didYouMean, editDistance, maxTypoDistance } from '../../src/config/suggest.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', 'abc')).toBe(0);
  });

  it('counts a swap of neighbouring characters as one edit', () => {
    expect(editDistance('dpd', 'ddp')).toBe(1);
    expect(editDistance('acceleartor', 'accelerator')).toBe(1);
  });
});

describe('maxTypoDistance', () => {
  it('tolerates more edits in longer words', () => {
    expect(maxTypoDistance('cpu')).toBe(1);
    expect(maxTypoDistance('devics')).toBe(2);
    expect(maxTypoDistance('acelerator')).toBe(3);
  });
});

describe('didYouMean', () => {
  const keys = ['accelerator', 'strategy', 'devices', 'num_nodes', 'precision'];

  it('suggests the closest candidate for a typo', () => {
    expect(didYouMean('acelerator', keys)).toBe('accelerator');
    expect(didYouMean('devcies', keys)).toBe('devices');
    expect(didYouMean('precison', keys)).toBe('precision');
  });

  it('ignores case and treats - and _ alike', () => {
    expect(didYouMean('ACCELERATOR', keys)).toBe('accelerator');
    expect(didYouMean('Num-Node', keys)).toBe('num_nodes');
  });

  it('gives no suggestion for nonsense', () => {
    expect(didYouMean('banana', keys)).toBeUndefined();
    expect(didYouMean('xyz', ['cpu', 'cuda', 'auto'])).toBeUndefined();
    expect(didYouMean('', keys)).toBeUndefined();
    expect(didYouMean('anything', [])).toBeUndefined();
  });

  it('applies the threshold by input length', () => {
    // 'cpx' -> 'cpu' is 1 edit (allowed for 3 letters); 'cxx' -> 'cpu' is 2 (not allowed).
    expect(didYouMean('cpx', ['cpu'])).toBe('cpu');
    expect(didYouMean('cxx', ['cpu'])).toBeUndefined();
    // 7+ letters allow 3 edits but not 4.
    expect(didYouMean('stratxxx', ['strategy'])).toBe('strategy');
    expect(didYouMean('stxxxxxx', ['strategy'])).toBeUndefined();
  });

  it('prefers the earlier candidate on a tie', () => {
    expect(didYouMean('zero', ['zero1', 'zero2'])).toBe('zero1');
  });
});
