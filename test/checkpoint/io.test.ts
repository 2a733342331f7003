import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FabricUserError } from '../../src/errors.js';
import {
  checksumDirectory, sha256File, verifyChecksums, writeDirectoryAtomically, writeJsonFileAtomically,
} from '../../src/checkpoint/io.js';

let root = '';
beforeEach(async () => { root = await mkdtemp(join(tmpdir(), 'ckpt-io-')); });
afterEach(async () => { await rm(root, { recursive: true, force: true }); });

async function expectUserError(promise: Promise<unknown>, ...fragments: string[]): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(FabricUserError);
  for (const fragment of fragments) expect((error as Error).message).toContain(fragment);
}

describe('writeDirectoryAtomically', () => {
  it('creates the directory, and its missing parent, from a temp sibling', async () => {
    const finalDir = join(root, 'checkpoints', 'step_1');
    let seenTmp = '';
    await writeDirectoryAtomically(finalDir, async (tmpDir) => {
      seenTmp = tmpDir;
      await writeFile(join(tmpDir, 'state.json'), '{"step":1}');
      await mkdir(join(tmpDir, 'shards'));
      await writeFile(join(tmpDir, 'shards', 'a.bin'), 'abc');
    });
    expect(dirname(seenTmp)).toBe(dirname(finalDir));
    expect(basename(seenTmp)).toMatch(new RegExp(`^step_1\\.tmp-${process.pid}-[0-9a-f]+$`));
    expect(await readFile(join(finalDir, 'state.json'), 'utf8')).toBe('{"step":1}');
    expect(await readFile(join(finalDir, 'shards', 'a.bin'), 'utf8')).toBe('abc');
    expect(await readdir(dirname(finalDir))).toEqual(['step_1']);
  });

  it('leaves the previous directory intact and no temp dir when the writer throws', async () => {
    const finalDir = join(root, 'step_2');
    await writeDirectoryAtomically(finalDir, (tmp) => writeFile(join(tmp, 'model.bin'), 'good'));
    const failure = new Error('disk full while writing the optimizer');
    await expect(writeDirectoryAtomically(finalDir, async (tmp) => {
      await writeFile(join(tmp, 'model.bin'), 'half-written');
      throw failure;
    })).rejects.toBe(failure);
    expect(await readFile(join(finalDir, 'model.bin'), 'utf8')).toBe('good');
    expect(await readdir(root)).toEqual(['step_2']);
  });

  it('replaces an existing directory completely and removes the old copy', async () => {
    const finalDir = join(root, 'latest');
    await writeDirectoryAtomically(finalDir, (tmp) => writeFile(join(tmp, 'old.txt'), 'old'));
    await writeDirectoryAtomically(finalDir, (tmp) => writeFile(join(tmp, 'new.txt'), 'new'));
    expect(await readdir(finalDir)).toEqual(['new.txt']);
    expect(await readdir(root)).toEqual(['latest']);
  });
});

describe('checksums', () => {
  async function makeCheckpoint(): Promise<string> {
    const dir = join(root, 'step_5');
    await mkdir(join(dir, 'sub'), { recursive: true });
    await writeFile(join(dir, 'model.safetensors'), Buffer.from([1, 2, 3, 4, 5]));
    await writeFile(join(dir, 'sub', 'state.json'), '{"step":5}');
    return dir;
  }

  it('sha256File gives the standard digest', async () => {
    const path = join(root, 'abc.txt');
    await writeFile(path, 'abc');
    expect(await sha256File(path)).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    await expectUserError(sha256File(join(root, 'nope.bin')), 'nope.bin', 'does not exist');
  });

  it('checksumDirectory hashes each named file, keyed by its relative name', async () => {
    const dir = await makeCheckpoint();
    const sums = await checksumDirectory(dir, ['sub/state.json', 'model.safetensors']);
    expect(Object.keys(sums)).toEqual(['model.safetensors', 'sub/state.json']);
    expect(sums['model.safetensors']).toBe(createHash('sha256').update(Buffer.from([1, 2, 3, 4, 5])).digest('hex'));
    await verifyChecksums(dir, sums);
  });

  it('verifyChecksums names the file whose bytes changed', async () => {
    const dir = await makeCheckpoint();
    const sums = await checksumDirectory(dir, ['model.safetensors', 'sub/state.json']);
    const path = join(dir, 'model.safetensors');
    const bytes = await readFile(path);
    bytes[2]! ^= 0x01;
    await writeFile(path, bytes);
    await expectUserError(verifyChecksums(dir, sums), path, 'was modified or corrupted after it was written');
  });

  it('verifyChecksums reports a missing file and refuses paths outside the directory', async () => {
    const dir = await makeCheckpoint();
    const sums = await checksumDirectory(dir, ['model.safetensors']);
    await rm(join(dir, 'model.safetensors'));
    await expectUserError(verifyChecksums(dir, sums), join(dir, 'model.safetensors'), 'is missing');
    await expectUserError(verifyChecksums(dir, { '../secret': '00' }), '../secret', 'not a relative path inside');
    await expectUserError(checksumDirectory(dir, ['/etc/passwd']), '/etc/passwd');
  });
});

describe('writeJsonFileAtomically', () => {
  it('writes, overwrites and leaves no temp file', async () => {
    const path = join(root, 'runs', 'state.json');
    await writeJsonFileAtomically(path, { step: 1, rng: [1, 2] });
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ step: 1, rng: [1, 2] });
    await writeJsonFileAtomically(path, { step: 2 });
    const text = await readFile(path, 'utf8');
    expect(JSON.parse(text)).toEqual({ step: 2 });
    expect(text.endsWith('\n')).toBe(true);
    expect(await readdir(dirname(path))).toEqual(['state.json']);
  });

  it('rejects a value with no JSON form and leaves the old file', async () => {
    const path = join(root, 'state.json');
    await writeJsonFileAtomically(path, { step: 1 });
    await expectUserError(writeJsonFileAtomically(path, undefined), path, 'no JSON form');
    await expect(writeJsonFileAtomically(path, { big: 1n })).rejects.toThrow(TypeError);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ step: 1 });
    expect(await readdir(root)).toEqual(['state.json']);
  });
});
