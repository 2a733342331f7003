import pidtree from 'pidtree';

/** Every live descendant of `pid` (children first found by pidtree), plus pid itself. */
export async function processTree(pid: number): Promise<number[]> {
  try {
    const descendants = await pidtree(pid, { root: true });
    return descendants;
  } catch {
    // pid already gone: nothing below it is reachable through it any more
    return isAlive(pid) ? [pid] : [];
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Sends `signal` to every process of the tree; the list is taken first so children of a dying parent are not lost. */
export async function signalTree(pid: number, signal: NodeJS.Signals, knownPids: Iterable<number> = []): Promise<number[]> {
  const pids = new Set([...(await processTree(pid)), ...knownPids]);
  for (const target of pids) {
    try {
      process.kill(target, signal);
    } catch {
      // already exited
    }
  }
  return [...pids];
}
