import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import { describeRuns, resolveRun } from '../../src/tui/resolve-run.js';
import { makeRun, setStatus } from './run-dir-fixture.js';

const cwd = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-resolve-')));
const root = path.join(cwd, 'runs');
afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

const older = makeRun(root, { name: 'alpha', status: 'finished' });
const newer = makeRun(root, { name: 'alpha' });
const beta = makeRun(root, { name: 'beta', status: 'failed' });
// The newest touch decides "latest" across names.
setStatus(beta, 'failed', 1);

describe('resolveRun', () => {
  it('takes the latest run by default', () => {
    expect(resolveRun(undefined, 'runs', cwd).dir).toBe(beta.dir);
  });

  it('takes a run folder, a name (newest version), a name folder, or name/version_N', () => {
    expect(resolveRun(older.dir, 'runs', cwd).dir).toBe(older.dir);
    expect(resolveRun('runs/alpha/version_0', 'elsewhere', cwd).dir).toBe(older.dir);
    expect(resolveRun('alpha', 'runs', cwd).dir).toBe(newer.dir);
    expect(resolveRun('runs/alpha', 'runs', cwd).dir).toBe(newer.dir);
    expect(resolveRun('alpha/version_0', 'runs', cwd).dir).toBe(older.dir);
  });

  it('lists the runs that exist when the one asked for does not', () => {
    let error: unknown;
    try {
      resolveRun('gamma', 'runs', cwd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FabricUserError);
    const message = (error as Error).message;
    expect(message).toContain("No run 'gamma'");
    expect(message).toContain('runs/alpha/version_0  finished');
    expect(message).toContain('runs/alpha/version_1  running');
    expect(message).toContain('runs/beta/version_0  failed');
  });

  it('says there are no runs at all, and how to make one', () => {
    expect(() => resolveRun(undefined, 'nothing-here', cwd)).toThrow(/No runs under nothing-here.*fabric run model/);
    expect(() => resolveRun('x', 'nothing-here', cwd)).toThrow(/no runs under nothing-here/);
    expect(describeRuns(path.join(cwd, 'nothing-here'))).toEqual([]);
  });
});
