import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { acceleratorRefusal, precisionRefusal, strategyRefusal, unsupportedSettingMessage } from '../../src/config/unsupported.js';
import { REPO_ROOT } from '../helpers/cli.js';

describe('settings no rank can run', () => {
  it('lets every runnable setting through', () => {
    for (const accelerator of ['cpu', 'cuda', 'gpu', 'auto'] as const) expect(acceleratorRefusal(accelerator)).toBeUndefined();
    for (const precision of ['32-true', '16-mixed', 'bf16-mixed', '16-true', 'bf16-true'] as const) expect(precisionRefusal(precision)).toBeUndefined();
    for (const strategy of ['auto', 'ddp', 'fsdp', 'zero1', 'zero2', 'deepspeed_stage_1', 'deepspeed_stage_2', 'deepspeed_stage_3']) {
      expect(strategyRefusal(strategy, 1)).toBeUndefined();
      expect(strategyRefusal(strategy, 4)).toBeUndefined();
    }
    expect(strategyRefusal('single_device', 1)).toBeUndefined();
  });

  it('says what to use instead', () => {
    expect(strategyRefusal('single_device', 3)).toMatch(/3 ranks.*--strategy=ddp, or --devices=1/);
    expect(strategyRefusal('deepspeed_stage_3_offload_nvme', 1)).toMatch(/NVMe.*--strategy=deepspeed_stage_3\b/);
    expect(strategyRefusal('fsdp_cpu_offload', 2)).toMatch(/CPU memory.*--strategy=fsdp\b/);
    expect(strategyRefusal('dp', 1)).toMatch(/--strategy=ddp/);
  });

  it('reports the first refusal in the order a rank meets them: accelerator, strategy, precision', () => {
    expect(unsupportedSettingMessage({ accelerator: 'mps', strategy: 'dp', precision: '64-true' }, 1)).toBe(acceleratorRefusal('mps'));
    expect(unsupportedSettingMessage({ accelerator: 'cpu', strategy: 'dp', precision: '64-true' }, 1)).toBe(strategyRefusal('dp', 1));
    expect(unsupportedSettingMessage({ accelerator: 'cpu', strategy: 'ddp', precision: '64-true' }, 2)).toBe(precisionRefusal('64-true'));
    expect(unsupportedSettingMessage({ accelerator: 'cpu', strategy: 'ddp', precision: '32-true' }, 2)).toBeUndefined();
  });
});

/** Every file `entry` loads at run time (type-only imports are erased), transitively, with the specifiers each one names. */
function importGraph(entry: string): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const visit = (file: string) => {
    if (graph.has(file)) return;
    const source = fs.readFileSync(file, 'utf8').replace(/(?:^|\n)\s*(?:import|export) type [^;]*;/g, '\n');
    const specifiers = [...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1] ?? m[2]!);
    graph.set(file, specifiers);
    for (const specifier of specifiers) if (specifier.startsWith('.')) visit(path.resolve(path.dirname(file), specifier.replace(/\.js$/, '.ts')));
  };
  visit(entry);
  return graph;
}

describe('the launcher stays free of tfjs', () => {
  it('launch-run.ts reaches neither tfjs nor strategies/ through its imports (type-only imports aside)', () => {
    const graph = importGraph(path.join(REPO_ROOT, 'src/launcher/launch-run.ts'));
    const offending: string[] = [];
    for (const [file, specifiers] of graph) {
      for (const specifier of specifiers) {
        if (specifier.startsWith('@tensorflow/') || specifier.includes('/strategies/')) offending.push(`${path.relative(REPO_ROOT, file)} -> ${specifier}`);
      }
    }
    expect(graph.has(path.join(REPO_ROOT, 'src/config/unsupported.ts')), 'the walk must reach config/unsupported.ts').toBe(true);
    expect(offending).toEqual([]);
  });
});
