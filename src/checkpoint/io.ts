import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { FabricUserError } from '../errors.js';

function uniqueSuffix(): string {
  return `${process.pid}-${randomBytes(4).toString('hex')}`;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Directory fsync makes a rename durable on Linux; some platforms refuse it, so failures are ignored. */
async function fsyncDirectoryBestEffort(dir: string): Promise<void> {
  try {
    await fsyncPath(dir);
  } catch {
    // not supported here (e.g. Windows); the rename itself is still atomic
  }
}

async function fsyncTree(dir: string): Promise<void> {
  for (const item of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, item.name);
    if (item.isDirectory()) await fsyncTree(path);
    else if (item.isFile()) await fsyncPath(path);
  }
  await fsyncDirectoryBestEffort(dir);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ENOENT';
  }
}

/**
 * Writes a directory atomically: `write(tmpDir)` fills a temp sibling dir, files are fsynced, then it
 * replaces `finalDir` (an existing one is moved aside first and removed only after the new one is in place).
 */
export async function writeDirectoryAtomically(finalDir: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = resolve(finalDir);
  const parent = dirname(target);
  await mkdir(parent, { recursive: true });
  // A sibling of the target, so the final rename never crosses a filesystem.
  const tmpDir = `${target}.tmp-${uniqueSuffix()}`;
  await mkdir(tmpDir);
  try {
    await write(tmpDir);
    await fsyncTree(tmpDir);
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true });
    throw error;
  }

  let asideDir: string | undefined;
  try {
    if (await exists(target)) {
      asideDir = `${target}.old-${uniqueSuffix()}`;
      await rename(target, asideDir);
    }
    await rename(tmpDir, target);
  } catch (error) {
    // Put the previous directory back so a failed save never loses the last good checkpoint.
    if (asideDir !== undefined) await rename(asideDir, target).catch(() => undefined);
    await rm(tmpDir, { recursive: true, force: true });
    throw error;
  }
  await fsyncDirectoryBestEffort(parent);
  if (asideDir !== undefined) await rm(asideDir, { recursive: true, force: true });
}

/** Writes `value` as pretty JSON to a temp file in the same directory, fsyncs it, then renames it into place. */
export async function writeJsonFileAtomically(path: string, value: unknown): Promise<void> {
  const text = JSON.stringify(value, null, 2);
  if (text === undefined) {
    throw new FabricUserError(`Cannot write "${path}": the value is ${typeof value}, which has no JSON form. Pass an object, array, string, number, boolean or null.`);
  }
  const target = resolve(path);
  await mkdir(dirname(target), { recursive: true });
  const tmpPath = `${target}.tmp-${uniqueSuffix()}`;
  try {
    await writeFile(tmpPath, `${text}\n`, 'utf8');
    await fsyncPath(tmpPath);
    await rename(tmpPath, target);
  } catch (error) {
    await rm(tmpPath, { force: true });
    throw error;
  }
  await fsyncDirectoryBestEffort(dirname(target));
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new FabricUserError(`Cannot compute the checksum of "${path}": the file does not exist. Check the checkpoint directory is complete.`);
    }
    throw error;
  }
  return hash.digest('hex');
}

/** Rejects names that would reach outside `dir`, since they come from a manifest on disk. */
function pathInside(dir: string, name: string): string {
  const cleaned = normalize(name);
  if (name.length === 0 || isAbsolute(name) || cleaned === '..' || cleaned.startsWith(`..${sep}`)) {
    throw new FabricUserError(
      `The checksum list for "${dir}" names the file "${name}", which is not a relative path inside that directory. ` +
        'The checkpoint manifest is corrupt; re-create the checkpoint.',
    );
  }
  return join(dir, cleaned);
}

/** SHA-256 (hex) of each named file, keyed by the name as given (relative to `dir`). */
export async function checksumDirectory(dir: string, files: string[]): Promise<Record<string, string>> {
  const sums: Record<string, string> = {};
  for (const name of [...files].sort()) sums[name] = await sha256File(pathInside(dir, name));
  return sums;
}

export async function verifyChecksums(dir: string, expected: Record<string, string>): Promise<void> {
  for (const [name, sum] of Object.entries(expected)) {
    const path = pathInside(dir, name);
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch (error) {
      if (error instanceof FabricUserError) {
        throw new FabricUserError(
          `The checkpoint file "${path}" is missing, although the checkpoint lists it. ` +
            'The checkpoint is incomplete; restore the file or use another checkpoint.',
        );
      }
      throw error;
    }
    if (actual !== sum.toLowerCase()) {
      throw new FabricUserError(
        `The checkpoint file "${path}" was modified or corrupted after it was written: its SHA-256 is ${actual} but the checkpoint recorded ${sum}. ` +
          'Restore the file from a backup or load another checkpoint.',
      );
    }
  }
}
