import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { verboseFromEnv } from '../../src/accelerators/tfjs-banner.js';

/** A fresh Node process (the banner prints once per process) that makes tensors on tfjs's pure-JS backend. */
function runPureJs(silence: boolean): string {
  const code = `
    import * as tf from '@tensorflow/tfjs';
    import { silenceNodeBanner } from './src/accelerators/tfjs-banner.ts';
    await tf.setBackend('cpu');
    ${silence ? 'console.log("silenced", silenceNodeBanner(tf));' : ''}
    const sum = tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4]));
    console.log('sum', Array.from(sum.dataSync()).join(','), 'warnings on', !tf.env().getBool('PROD') && !tf.env().getBool('IS_TEST'));
  `;
  const result = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', code], { encoding: 'utf8' });
  expect(result.status, result.stderr).toBe(0);
  return result.stdout + result.stderr;
}

describe('silenceNodeBanner', () => {
  it("keeps tfjs's Node.js banner out of the output without switching off tfjs's other warnings", () => {
    const quiet = runPureJs(true);
    expect(quiet).toContain('silenced true');
    expect(quiet).toContain('sum 4,6 warnings on true');
    expect(quiet).not.toContain('looks like you are running TensorFlow.js in Node.js');
  });

  it('is needed: without it the pure-JS backend prints the banner', () => {
    expect(runPureJs(false)).toContain('Hi, looks like you are running TensorFlow.js in Node.js');
  });
});

describe('verboseFromEnv', () => {
  it('reads FABRIC_VERBOSE as the config does, unset meaning quiet', () => {
    expect(verboseFromEnv({})).toBe(false);
    expect(verboseFromEnv({ FABRIC_VERBOSE: 'true' })).toBe(true);
    expect(verboseFromEnv({ FABRIC_VERBOSE: '0' })).toBe(false);
    expect(() => verboseFromEnv({ FABRIC_VERBOSE: 'loud' })).toThrow(/verbose must be true or false/);
  });
});
