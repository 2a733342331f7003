/** Whether the native engine can run here; vitest.config.ts asks before it sets up project `native`. */
import { spawnSync } from 'node:child_process';

export type AddonProbe = { loads: true } | { loads: false; reason: string };

/**
 * Whether @tensorflow/tfjs-node's native addon loads here, tried in a child process so the caller (vitest's
 * main process) does not map libtensorflow itself. The reason is the last line of the child's error.
 */
export function probeNativeAddon(cwd: string): AddonProbe {
  // vitest evaluates its config more than once in one process: probe (and say so) once per folder.
  const memo = ((globalThis as { nativeAddonProbes?: Map<string, AddonProbe> }).nativeAddonProbes ??= new Map());
  const known = memo.get(cwd);
  if (known) return known;
  const probe = probeInChild(cwd);
  memo.set(cwd, probe);
  return probe;
}

function probeInChild(cwd: string): AddonProbe {
  const child = spawnSync(process.execPath, ['-e', "require('@tensorflow/tfjs-node')"], {
    cwd,
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (child.status === 0) return { loads: true };
  const lines = `${child.error?.message ?? ''}\n${child.stderr ?? ''}`.split('\n').map((l) => l.trim());
  const reason = lines.find((l) => /^Error:|Cannot find module|cannot open shared object/.test(l)) ?? lines.filter(Boolean).pop() ?? `exit code ${child.status}`;
  return { loads: false, reason };
}
