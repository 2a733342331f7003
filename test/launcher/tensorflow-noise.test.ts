import { describe, expect, it } from 'vitest';
import { quietTensorflowEnv, tensorflowNoiseFilter } from '../../src/launcher/tensorflow-noise.js';

// Lines as TensorFlow 2.21 prints them while tfjs-node loads (copied from a rank log).
const PREAMBLE = 'WARNING: All log messages before absl::InitializeLog() is called are written to STDERR';
const ONEDNN = 'I0000 00:00:1796683382.494757    7016 port.cc:153] oneDNN custom operations are on. You may see slightly different numerical results due to floating-point round-off errors from different computation orders. To turn them off, set the environment variable `TF_ENABLE_ONEDNN_OPTS=0`.';
const WARNING = 'W0000 00:00:1796683382.656156    7016 op_kernel.cc:1840] OP_REQUIRES failed at concat_op.cc:67';

describe('quietTensorflowEnv', () => {
  it("turns TensorFlow's INFO lines off unless --verbose or the user set the level", () => {
    expect(quietTensorflowEnv(false, {})).toEqual({ TF_CPP_MIN_LOG_LEVEL: '1' });
    expect(quietTensorflowEnv(true, {})).toEqual({});
    expect(quietTensorflowEnv(false, { TF_CPP_MIN_LOG_LEVEL: '0' })).toEqual({});
  });
});

describe('tensorflowNoiseFilter', () => {
  it('drops the load lines TensorFlow prints before it reads its level, and keeps warnings and everything else', () => {
    const keep = tensorflowNoiseFilter(false, { TF_CPP_MIN_LOG_LEVEL: '1' })!;
    expect(keep(PREAMBLE)).toBe(false);
    expect(keep(ONEDNN)).toBe(false);
    expect(keep(WARNING)).toBe(true);
    expect(keep('epoch 2/2: validation accuracy 63.0%')).toBe(true);
    expect(keep('I0000 is how my script logs')).toBe(true);
  });

  it('drops warnings too at level 2, and keeps everything under --verbose or at level 0', () => {
    expect(tensorflowNoiseFilter(false, { TF_CPP_MIN_LOG_LEVEL: '2' })!(WARNING)).toBe(false);
    expect(tensorflowNoiseFilter(true, { TF_CPP_MIN_LOG_LEVEL: '1' })).toBeUndefined();
    expect(tensorflowNoiseFilter(false, { TF_CPP_MIN_LOG_LEVEL: '0' })).toBeUndefined();
    expect(tensorflowNoiseFilter(false, {})).toBeUndefined();
  });
});
