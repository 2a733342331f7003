// Anchor for ddp-scaling: the same MLP steps in raw tfjs, no Fabric and no communication; prints samples/s.
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { makeBatch, makeModel, MLP, rawStep } from '../mlp-loops.js';

const steps = Number(process.argv[2] ?? 30);
await tf.setBackend('wasm');
const model = makeModel();
const optimizer = tf.train.adam(1e-3);
const [x, y] = makeBatch();
for (let i = 0; i < 4; i++) await rawStep(model, optimizer, x, y);
const start = performance.now();
for (let i = 0; i < steps; i++) await rawStep(model, optimizer, x, y);
console.log(`SAMPLES_PER_SECOND ${(steps * MLP.batch) / ((performance.now() - start) / 1000)}`);
