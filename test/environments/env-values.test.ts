import { describe, expect, it } from 'vitest';
import {
  firstInt,
  hasAll,
  mainAddressFrom,
  mainPortFrom,
  portFromJobId,
  readInt,
  readPort,
  readText,
  requireBelow,
  requireInt,
  requirePositive,
} from '../../src/environments/env-values.js';
import { userErrorOf } from '../helpers/user-error.js';

const origin = { launcher: 'srun', remedy: 'Do the right thing.' };

describe('readText / hasAll', () => {
  it('treats unset and empty (or blank) values alike', () => {
    expect(readText({ A: ' x ' }, 'A')).toBe('x');
    expect(readText({ A: '' }, 'A')).toBeUndefined();
    expect(readText({ A: '  ' }, 'A')).toBeUndefined();
    expect(readText({}, 'A')).toBeUndefined();
    expect(hasAll({ A: '1', B: '2' }, ['A', 'B'])).toBe(true);
    expect(hasAll({ A: '1', B: '' }, ['A', 'B'])).toBe(false);
  });
});

describe('readInt / firstInt / requireInt', () => {
  it('reads whole numbers and leaves unset ones undefined', () => {
    expect(readInt({ N: '12' }, 'N', origin)).toBe(12);
    expect(readInt({}, 'N', origin)).toBeUndefined();
  });

  it('names the variable, its value and the launcher when the value is not a whole number', () => {
    for (const bad of ['-1', '1.5', 'two', '3x']) {
      const message = userErrorOf(() => readInt({ N: bad }, 'N', origin));
      expect(message).toContain(`N='${bad}' is not a whole number`);
      expect(message).toContain('srun sets it');
      expect(message).toContain('Do the right thing.');
    }
  });

  it('takes the first name that is set', () => {
    expect(firstInt({ B: '2', C: '3' }, ['A', 'B', 'C'], origin)).toEqual({ name: 'B', value: 2 });
    expect(firstInt({}, ['A'], origin)).toBeUndefined();
  });

  it('lists every name tried when none is set', () => {
    expect(userErrorOf(() => requireInt({}, ['A'], origin))).toContain('A is not set, so Fabric cannot tell');
    expect(userErrorOf(() => requireInt({}, ['A', 'B'], origin))).toContain('None of A, B is set');
  });
});

describe('requireBelow / requirePositive', () => {
  it('accepts a rank below the size and explains the 0-based numbering otherwise', () => {
    expect(() => requireBelow({ name: 'RANK', value: 3 }, { name: 'SIZE', value: 4 }, origin)).not.toThrow();
    const message = userErrorOf(() => requireBelow({ name: 'RANK', value: 4 }, { name: 'SIZE', value: 4 }, origin));
    expect(message).toContain('RANK=4 is not below SIZE=4');
    expect(message).toContain('ranks 0 to 3');
  });

  it('rejects a size of 0', () => {
    expect(userErrorOf(() => requirePositive({ name: 'SIZE', value: 0 }, origin))).toContain('SIZE=0');
  });
});

describe('readPort', () => {
  it('reads ports 1-65535 and rejects anything else', () => {
    expect(readPort({ P: '29500' }, 'P')).toBe(29500);
    expect(readPort({ P: '' }, 'P')).toBeUndefined();
    for (const bad of ['0', '65536', 'http', '80.5']) expect(userErrorOf(() => readPort({ P: bad }, 'P'))).toContain(`P='${bad}' is not a TCP port`);
  });
});

describe('portFromJobId', () => {
  it('maps numeric ids by remainder, even ids beyond 2^53', () => {
    expect(portFromJobId('123456', 15000, 5000)).toBe(15000 + (123456 % 5000));
    expect(portFromJobId('4999', 15000, 5000)).toBe(19999);
    expect(portFromJobId('5000', 15000, 5000)).toBe(15000);
    expect(portFromJobId('123456789012345678901', 0, 1000)).toBe(901);
  });

  it('hashes other ids into the range, the same way every time', () => {
    const port = portFromJobId('prterun-host-4242@1', 20000, 10000);
    expect(port).toBeGreaterThanOrEqual(20000);
    expect(port).toBeLessThan(30000);
    expect(portFromJobId('prterun-host-4242@1', 20000, 10000)).toBe(port);
    expect(portFromJobId('prterun-host-4243@1', 20000, 10000)).not.toBe(port);
  });
});

describe('mainAddressFrom / mainPortFrom', () => {
  it('prefers the flag, then MASTER_*, then the derived value, and derives only when needed', () => {
    const env = { MASTER_ADDR: 'envhost', MASTER_PORT: '1234' };
    const never = () => {
      throw new Error('should not derive');
    };
    expect(mainAddressFrom({ mainAddress: 'flaghost' }, env, never)).toBe('flaghost');
    expect(mainAddressFrom({}, env, never)).toBe('envhost');
    expect(mainAddressFrom({}, {}, () => 'derived')).toBe('derived');
    expect(mainPortFrom({ mainPort: 99 }, env, never)).toBe(99);
    expect(mainPortFrom({}, env, never)).toBe(1234);
    expect(mainPortFrom({}, {}, () => 5)).toBe(5);
  });
});
