/** The engine matrix itself: each engine project really runs Fabric, plain tfjs and CLI ranks on its engine. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { fixture, makeTempDir, removeTempDirs, runModel } from './cli.js';
import { ENGINE_UNDER_TEST, expectLiveRankOnEngine } from './engine.js';
import { probeNativeAddon } from './native-addon.js';
import { launchFabric } from './fabric.js';

afterAll(() => removeTempDirs());

describe.runIf(ENGINE_UNDER_TEST)(`the engine under test (${ENGINE_UNDER_TEST})`, () => {
  it('is the active tfjs backend before a test does anything', () => {
    expect(tf.getBackend()).toBe(ENGINE_UNDER_TEST);
  });

  it('is the backend a launched Fabric resolves the cpu accelerator to', async () => {
    const fabric = await launchFabric('32-true');
    expect(fabric.backend).toBe(ENGINE_UNDER_TEST);
    expect(tf.getBackend()).toBe(ENGINE_UNDER_TEST);
  });

  it('is the backend every rank of a CLI run computes on', async () => {
    const root = makeTempDir();
    const result = await runModel({ cwd: root, rootDir: root, flags: ['--devices=2', '--strategy=ddp', '--accelerator=cpu'], script: fixture('engine-report.ts'), timeoutMs: 90_000 });
    expect(result.code, result.output).toBe(0);
    expectLiveRankOnEngine(result.output);
    for (const rank of [0, 1]) {
      const log = fs.readFileSync(path.join(root, 'fabric', 'version_0', `rank_${rank}.log`), 'utf8');
      expect(log).toContain(`engine report: rank ${rank} fabric.backend=${ENGINE_UNDER_TEST} tf.getBackend()=${ENGINE_UNDER_TEST} sum=3`);
    }
  });
});

describe('expectLiveRankOnEngine', () => {
  it('fails when rank 0 never said its backend, or named another one', () => {
    expect(() => expectLiveRankOnEngine('[rank 1] started on backend \'wasm\'\n')).toThrow(/no "started on backend" line/);
    if (ENGINE_UNDER_TEST) expect(() => expectLiveRankOnEngine("[rank 0] started on backend 'elsewhere'\n")).toThrow(/rank 0 ran on 'elsewhere'/);
  });
});

describe('probeNativeAddon', () => {
  it('says why when @tensorflow/tfjs-node cannot be loaded from a folder', () => {
    const probe = probeNativeAddon(makeTempDir());
    expect(probe).toEqual({ loads: false, reason: expect.stringContaining("Cannot find module '@tensorflow/tfjs-node'") });
  });
});
