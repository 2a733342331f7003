import * as tf from '@tensorflow/tfjs';

/**
 * A float32 tensor's values for reading, without the copy `dataSync` makes on the wasm backend: there it is a view
 * into the wasm heap, valid only until the next tfjs call (which may grow and move the heap), so copy out of it
 * or use it at once. On the pure-JS backend `dataSync` already returns the tensor's own array. On tfjs-node it is
 * a copy out of TensorFlow (the binding always copies), or the array the tensor was made from while TensorFlow has
 * not taken it yet. Never write to it.
 */
export function readFloat32(tensor: tf.Tensor): Float32Array {
  if (tensor.dtype === 'float32' && tf.getBackend() === 'wasm') {
    const backend = tf.backend() as unknown as { typedArrayFromHeap?: (info: tf.TensorInfo) => Float32Array };
    if (typeof backend.typedArrayFromHeap === 'function') return backend.typedArrayFromHeap(tensor);
  }
  return tensor.dataSync() as Float32Array;
}
