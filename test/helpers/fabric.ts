/** Launched Fabrics and temp dirs for unit tests, torn down after each test of the file that imports this. */
import { rm } from 'node:fs/promises';
import { afterEach } from 'vitest';
import { Fabric } from '../../src/fabric.js';

const launched: Fabric[] = [];
const dirs: string[] = [];
afterEach(async () => {
  while (launched.length) await launched.pop()!.teardown();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A single-rank Fabric on the CPU accelerator with the given precision, launched. */
export async function launchFabric(precision: string): Promise<Fabric> {
  const fabric = new Fabric({ accelerator: 'cpu', precision: precision as never });
  await fabric.launch();
  launched.push(fabric);
  return fabric;
}

/** Removes `dir` after the current test. */
export function removeAfterTest(dir: string): string {
  dirs.push(dir);
  return dir;
}
