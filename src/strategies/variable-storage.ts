import * as tf from '@tensorflow/tfjs';

/**
 * FSDP keeps only a shard of each parameter between steps, but tfjs models hold their weights in variables of
 * fixed shape. Releasing frees a variable's buffer while the variable object (referenced by the model) stays;
 * materialising gives it a fresh buffer. Both make the same engine calls as Variable.assign, which is what
 * keeps tf.memory() and the backend's reference counts balanced; only assign's shape check is skipped,
 * because a released variable has no buffer to compare.
 */
export function releaseVariable(variable: tf.Variable, whyEmpty: () => Error): void {
  tf.engine().disposeTensor(variable);
  // Reading a released variable would fail deep inside the backend; say what happened instead.
  for (const method of READERS) Object.defineProperty(variable, method, { configurable: true, value: () => { throw whyEmpty(); } });
}

const READERS = ['dataSync', 'data', 'array', 'arraySync', 'bufferSync', 'buffer'] as const;

export function materializeVariable(variable: tf.Variable, values: Float32Array): void {
  for (const method of READERS) delete (variable as unknown as Record<string, unknown>)[method];
  const fresh = tf.tensor(values, variable.shape, variable.dtype);
  (variable as unknown as { dataId: object }).dataId = fresh.dataId;
  tf.engine().incRef(variable, null as unknown as tf.KernelBackend);
  fresh.dispose();
}
