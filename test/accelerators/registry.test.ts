import * as tf from '@tensorflow/tfjs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { importOptional, type Accelerator } from '../../src/accelerators/accelerator.js';
import { registerAccelerator, registeredAccelerators, resolveAccelerator } from '../../src/accelerators/registry.js';
import { Fabric } from '../../src/fabric.js';
import { userErrorFrom } from '../helpers/user-error.js';

const savedBackendEnv = process.env.FABRIC_TFJS_BACKEND;
const hasTfjsNode = (await importOptional('@tensorflow/tfjs-node')) !== undefined;
const hasTfjsNodeGpu = (await importOptional('@tensorflow/tfjs-node-gpu')) !== undefined;

afterEach(async () => {
  if (savedBackendEnv === undefined) delete process.env.FABRIC_TFJS_BACKEND;
  else process.env.FABRIC_TFJS_BACKEND = savedBackendEnv;
});
afterAll(async () => {
  await tf.setBackend('wasm');
});


describe('cpu', () => {
  it.skipIf(hasTfjsNode)('picks the WebAssembly backend when tfjs-node is not installed, and says why', async () => {
    await tf.setBackend('cpu');
    const resolved = await resolveAccelerator('cpu', tf, {});
    expect(resolved).toEqual({ accelerator: 'cpu', backend: 'wasm', reason: expect.stringMatching(/tfjs-node is not installed/) });
    expect(tf.getBackend()).toBe('wasm');
  });

  it.runIf(hasTfjsNode)('picks tfjs-node when it is installed', async () => {
    expect((await resolveAccelerator('cpu', tf, {})).backend).toBe('tensorflow');
  });

  it('uses the backend FABRIC_TFJS_BACKEND forces, with aliases and any case', async () => {
    const forced = await resolveAccelerator('cpu', tf, { FABRIC_TFJS_BACKEND: 'cpu' });
    expect(forced).toEqual({ accelerator: 'cpu', backend: 'cpu', reason: 'forced by FABRIC_TFJS_BACKEND=cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect((await resolveAccelerator('cpu', tf, { FABRIC_TFJS_BACKEND: ' WASM ' })).backend).toBe('wasm');
    expect((await resolveAccelerator('cpu', tf, { FABRIC_TFJS_BACKEND: 'js' })).backend).toBe('cpu');
    await tf.setBackend('wasm');
  });

  it('makes a launched Fabric run on the forced backend', async () => {
    process.env.FABRIC_TFJS_BACKEND = 'cpu';
    const fabric = new Fabric({ accelerator: 'cpu' });
    await fabric.launch();
    expect(fabric.backend).toBe('cpu');
    expect(fabric.device).toBe('cpu:0 (cpu)');
    expect(tf.getBackend()).toBe('cpu');
    await fabric.teardown();
    await tf.setBackend('wasm');
  });

  it('rejects an unknown forced backend, listing the choices', async () => {
    const error = await userErrorFrom(resolveAccelerator('cpu', tf, { FABRIC_TFJS_BACKEND: 'bogus' }));
    expect(error.message).toContain("FABRIC_TFJS_BACKEND='bogus'");
    expect(error.message).toMatch(/tensorflow.*wasm.*cpu/);
  });

  it.skipIf(hasTfjsNode)('explains how to install tfjs-node when it is forced but missing', async () => {
    const error = await userErrorFrom(resolveAccelerator('cpu', tf, { FABRIC_TFJS_BACKEND: 'tensorflow' }));
    expect(error.message).toContain('npm install @tensorflow/tfjs-node');
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('accelerators without a backend here', () => {
  it('mps and tpu say what to use instead', async () => {
    const mps = await userErrorFrom(resolveAccelerator('mps', tf, {}));
    expect(mps.message).toMatch(/Apple Metal.*--accelerator=cpu/);
    const tpu = await userErrorFrom(resolveAccelerator('tpu', tf, {}));
    expect(tpu.message).toMatch(/tpu.*--accelerator=cuda.*--accelerator=cpu/);
  });

  it.skipIf(hasTfjsNodeGpu)('cuda (and its alias gpu) explains how to install tfjs-node-gpu', async () => {
    for (const name of ['cuda', 'gpu']) {
      const error = await userErrorFrom(resolveAccelerator(name, tf, {}));
      expect(error.message).toContain('npm install @tensorflow/tfjs-node-gpu');
      expect(error.message).toContain('--accelerator=cpu');
    }
  });

  it('webgpu explains that Node has no navigator.gpu', async () => {
    expect((await userErrorFrom(resolveAccelerator('webgpu', tf, {}))).message).toMatch(/navigator\.gpu/);
  });

  it('an unknown name lists the known ones', async () => {
    const error = await userErrorFrom(resolveAccelerator('quantum', tf, {}));
    expect(error.message).toContain("'quantum'");
    expect(error.message).toContain('cpu, cuda, webgpu');
    expect(error.message).toContain('auto');
  });
});

describe('auto', () => {
  it.skipIf(hasTfjsNodeGpu)('resolves to cpu here and says it chose automatically', async () => {
    const resolved = await resolveAccelerator('auto', tf, {});
    expect(resolved.accelerator).toBe('cpu');
    expect(resolved.backend).toBe(hasTfjsNode ? 'tensorflow' : 'wasm');
    expect(resolved.reason).toMatch(/^auto: /);
  });
});

describe('registerAccelerator', () => {
  it('lists the shipped accelerators and refuses a duplicate name', () => {
    expect(registeredAccelerators().map((a) => a.name)).toEqual(['cpu', 'cuda', 'webgpu']);
    const duplicate: Accelerator = { ...registeredAccelerators()[0] };
    expect(() => registerAccelerator(duplicate)).toThrow(/already registered.*pick another name/);
  });

  it('resolves a newly registered accelerator by name', async () => {
    const custom: Accelerator = {
      name: 'test-js',
      description: 'the pure-JS backend, for this test',
      isAvailable: async () => true,
      resolve: async (engine) => {
        await engine.setBackend('cpu');
        return { accelerator: 'test-js', backend: engine.getBackend(), reason: 'test' };
      },
    };
    registerAccelerator(custom);
    expect(await resolveAccelerator('test-js', tf, {})).toEqual({ accelerator: 'test-js', backend: 'cpu', reason: 'test' });
    await tf.setBackend('wasm');
  });
});
