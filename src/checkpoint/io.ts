import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
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

/** A full disk or quota is the user's to fix: say so in one paragraph (the temp copy is already removed). */
function outOfSpace(target: string, error: unknown): unknown {
  const { code, path } = (error ?? {}) as NodeJS.ErrnoException;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  return new FabricUserError(
    `Could not save the checkpoint '${target}': ${code === 'EDQUOT' ? 'the disk quota is exceeded' : 'no space left on the device'} (${code}` +
      `${path ? ` while writing '${path}'` : ''}). Nothing was replaced: an earlier checkpoint at that path is intact. Free some space or save elsewhere.`,
  );
}

/** A zombie counts as gone: a killed writer whose parent died too may stay unreaped where init does not reap. */
async function processAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat[stat.lastIndexOf(')') + 2] !== 'Z';
  } catch {
    return true; // no /proc (not Linux): trust kill(0)
  }
}

/**
 * Repairs what a writer killed mid-save left next to `finalDir`. Replacing a directory takes two renames
 * (old one aside, new one in), and Linux cannot swap directories in one step; a kill between them leaves no
 * `finalDir`, only `<finalDir>.old-<pid>-<hex>`, which is moved back here. Temp and aside dirs of writers that
 * are no longer running are removed (a killed save would otherwise leave its partial copy for good).
 * Loading should call this too, so a checkpoint is found even before the next save repairs it.
 */
export async function recoverInterruptedWrite(finalDir: string): Promise<void> {
  const target = resolve(finalDir);
  const parent = dirname(target);
  const pattern = new RegExp(`^${basename(target).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.(tmp|old)-(\\d+)-[0-9a-f]+$`);
  let names: string[];
  try {
    names = await readdir(parent);
  } catch {
    return; // no parent yet: nothing was ever written here
  }
  const leftovers: { path: string; kind: string; dead: boolean }[] = [];
  for (const name of names) {
    const match = pattern.exec(name);
    if (match) leftovers.push({ path: join(parent, name), kind: match[1], dead: !(await processAlive(Number(match[2]))) });
  }
  const aside = leftovers.filter((entry) => entry.kind === 'old' && entry.dead);
  if (aside.length > 0 && !(await exists(target))) {
    await rename(aside[0].path, target);
    await fsyncDirectoryBestEffort(parent);
    aside.shift();
  }
  for (const entry of leftovers) {
    if (entry.kind === 'tmp' ? entry.dead : aside.includes(entry)) await rm(entry.path, { recursive: true, force: true });
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
  await recoverInterruptedWrite(target);
  // A sibling of the target, so the final rename never crosses a filesystem.
  const tmpDir = `${target}.tmp-${uniqueSuffix()}`;
  await mkdir(tmpDir);
  try {
    await write(tmpDir);
    await fsyncTree(tmpDir);
  } catch (error) {
    await rm(tmpDir, { recursive: true, force: true });
    throw outOfSpace(target, error);
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
