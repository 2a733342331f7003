/**
 * The Python anchors of the engine benchmark (bench/anchors/*.py): which interpreter runs each and whether it can
 * import what it needs. TensorFlow/Keras and JAX come from the local wheel folder, PyTorch from Debian's
 * python3-torch (see bench/README.md); FABRIC_BENCH_PYTHON and FABRIC_BENCH_TORCH_PYTHON point elsewhere.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

const VENV = '/opt/fabric-bench-venv/bin/python';
const pythonFor = (anchor: Anchor) =>
  anchor === 'pytorch' ? (process.env.FABRIC_BENCH_TORCH_PYTHON ?? '/usr/bin/python3') : (process.env.FABRIC_BENCH_PYTHON ?? (fs.existsSync(VENV) ? VENV : 'python3'));

export type Anchor = 'keras' | 'jax' | 'pytorch';
const IMPORTS: Record<Anchor, string> = { keras: 'import tensorflow, keras', jax: 'import jax, optax', pytorch: 'import torch' };
const SCRIPTS: Record<Anchor, string> = { keras: 'keras_steps.py', jax: 'jax_steps.py', pytorch: 'torch_steps.py' };

/** The anchors that import here, and why each of the others cannot run. */
export function availableAnchors(): { ready: Anchor[]; missing: string[] } {
  const ready: Anchor[] = [];
  const missing: string[] = [];
  for (const anchor of Object.keys(IMPORTS) as Anchor[]) {
    const python = pythonFor(anchor);
    const probe = spawnSync(python, ['-c', IMPORTS[anchor]], { encoding: 'utf8', env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: '3' } });
    if (probe.status === 0) ready.push(anchor);
    else missing.push(`${anchor} (${python}: ${probe.error?.message ?? probe.stderr.trim().split('\n').pop()})`);
  }
  return { ready, missing };
}

/** Steps/s of one anchor on one workload at `threads` threads. */
export function measureAnchor(root: string, anchor: Anchor, model: string, warmup: number, steps: number, threads: number): number {
  const env = { ...process.env, OMP_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: String(threads), TF_CPP_MIN_LOG_LEVEL: '2' };
  const run = spawnSync(pythonFor(anchor), [path.join(root, 'bench/anchors', SCRIPTS[anchor]), model, String(warmup), String(steps), String(threads)], { encoding: 'utf8', env });
  const line = `${run.stdout}`.split('\n').find((l) => l.startsWith('ENGINE_RESULT '));
  if (!line) throw new Error(`${anchor} on ${model} printed no result (exit ${run.status}):\n${run.stderr.slice(-2000)}`);
  return (JSON.parse(line.slice('ENGINE_RESULT '.length)) as { stepsPerSecond: number }).stepsPerSecond;
}
