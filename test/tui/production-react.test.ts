import { afterEach, describe, expect, it, vi } from 'vitest';
import { importWithProductionReact } from '../../src/tui/production-react.js';

afterEach(() => vi.unstubAllEnvs());

describe('importWithProductionReact', () => {
  it('loads with NODE_ENV=production and puts the old value back', async () => {
    vi.stubEnv('NODE_ENV', 'test');
    const seen = await importWithProductionReact(async () => process.env.NODE_ENV);
    expect(seen).toBe('production');
    expect(process.env.NODE_ENV).toBe('test');
  });

  it('leaves NODE_ENV unset when it was unset, even when loading fails', async () => {
    vi.stubEnv('NODE_ENV', undefined);
    await expect(importWithProductionReact(async () => Promise.reject(new Error('missing module')))).rejects.toThrow('missing module');
    expect('NODE_ENV' in process.env).toBe(false);
  });
});
