/**
 * Settings no rank can run (Lightning names tfjs has no counterpart for) are refused by the launcher through the
 * real CLI: exit 2, the rank's own message, and neither a run directory nor a rank log, because no rank started.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { acceleratorRefusal, precisionRefusal, strategyRefusal } from '../../src/config/unsupported.js';
import { fixture, makeTempDir, normalizeMessage, removeTempDirs, runCli, STACK_FRAME } from '../helpers/cli.js';

afterAll(removeTempDirs);

async function expectRefusedBeforeLaunch(args: string[], expected: string | undefined, files: Record<string, string> = {}): Promise<void> {
  expect(expected, 'the shared module must refuse this setting').toBeTruthy();
  const cwd = makeTempDir();
  for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(cwd, name), text);
  const result = await runCli(['run', 'model', ...args, fixture('tiny-train.ts')], { cwd });
  expect(result.code, result.output).toBe(2);
  expect(normalizeMessage(result.output)).toContain(expected);
  expect(result.output, 'one paragraph, no stack').not.toMatch(STACK_FRAME);
  expect(result.output.trim()).not.toMatch(/\n[ \t]*\n/);
  expect(result.output, 'no rank may have started').not.toContain('[rank ');
  expect(fs.existsSync(path.join(cwd, 'runs')), 'no run directory (and so no rank log)').toBe(false);
}

describe('settings the launcher refuses before any rank starts', () => {
  it('--precision=64-true', async () => {
    await expectRefusedBeforeLaunch(['--precision=64-true'], precisionRefusal('64-true'));
  });

  it('precision 64 from a config file (alias of 64-true)', async () => {
    await expectRefusedBeforeLaunch([], precisionRefusal('64-true'), { 'fabric.config.yaml': 'precision: 64\n' });
  });

  it('--precision=transformer-engine', async () => {
    await expectRefusedBeforeLaunch(['--precision=transformer-engine'], precisionRefusal('transformer-engine'));
  });

  it('--accelerator=mps', async () => {
    await expectRefusedBeforeLaunch(['--accelerator=mps'], acceleratorRefusal('mps'));
  });

  it('--accelerator=tpu', async () => {
    await expectRefusedBeforeLaunch(['--accelerator=tpu'], acceleratorRefusal('tpu'));
  });

  it('--accelerator=webgpu (Node has no navigator.gpu)', async () => {
    const message = acceleratorRefusal('webgpu');
    expect(message).toMatch(/navigator\.gpu.*--accelerator=cpu/);
    await expectRefusedBeforeLaunch(['--accelerator=webgpu'], message);
  });

  it('--strategy=dp', async () => {
    await expectRefusedBeforeLaunch(['--strategy=dp'], strategyRefusal('dp', 1));
  });

  it('--strategy=single_device with --devices=2', async () => {
    const message = strategyRefusal('single_device', 2);
    expect(message).toContain('this run has 2 ranks');
    await expectRefusedBeforeLaunch(['--strategy=single_device', '--devices=2'], message);
  });

  it('FABRIC_STRATEGY=single_device with --devices=0,1', async () => {
    const cwd = makeTempDir();
    const result = await runCli(['run', 'model', '--devices=0,1', fixture('tiny-train.ts')], { cwd, env: { FABRIC_STRATEGY: 'single_device' } });
    expect(result.code, result.output).toBe(2);
    expect(normalizeMessage(result.output)).toContain(strategyRefusal('single_device', 2));
    expect(fs.existsSync(path.join(cwd, 'runs'))).toBe(false);
  });

  for (const name of ['deepspeed_stage_2_offload', 'deepspeed_stage_3_offload', 'deepspeed_stage_3_offload_nvme', 'fsdp_cpu_offload']) {
    it(`--strategy=${name}`, async () => {
      await expectRefusedBeforeLaunch([`--strategy=${name}`], strategyRefusal(name, 1));
    });
  }
});
