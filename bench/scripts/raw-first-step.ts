// Anchor for startup time: plain node + tsx running the raw tfjs loop up to its first step.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeBatch, makeModel, rawStep } from '../mlp-loops.js';

await tf.setBackend('wasm');
const model = makeModel();
const [x, y] = makeBatch();
await rawStep(model, tf.train.adam(1e-3), x, y);
console.log('FIRST_STEP_DONE');
