import { render } from 'ink-testing-library';
import { describe, expect, it } from 'vitest';
import { chartLines, MetricChart, resample, sparkline } from '../../src/tui/MetricChart.js';

const points = Array.from({ length: 50 }, (_, i) => ({ step: (i + 1) * 10, value: 1 / (i + 1) }));

describe('MetricChart', () => {
  it('plots the chosen metric over steps with a throughput sparkline', () => {
    const frame = render(<MetricChart metric="loss" names={['loss', 'acc']} points={points} throughput={[10, 20, 30]} width={80} height={8} />).lastFrame()!;
    const lines = frame.split('\n');
    expect(lines[0]).toContain('loss (1/2, m/← → switch)');
    expect(lines[0]).toContain('last 0.0200 at step 500');
    expect(frame).toMatch(/[┤┼]/);
    expect(frame).toMatch(/[╰─╮]/);
    expect(frame).toContain('steps 10 … 500');
    expect(lines.at(-1)).toContain('steps/s ▁▅█ 30.0');
    expect(lines.length).toBe(1 + 8 + 2);
  });

  it('says so when there is nothing to draw yet', () => {
    const frame = render(<MetricChart metric={undefined} names={[]} points={[]} throughput={[]} width={80} height={5} />).lastFrame()!;
    expect(frame).toContain('no values yet');
  });

  it('skips NaN and Infinity and says how many', () => {
    const frame = render(<MetricChart metric="loss" names={['loss']} points={[...points.slice(0, 3), { step: 40, value: NaN }, { step: 50, value: Infinity }]} throughput={[]} width={60} height={4} />).lastFrame()!;
    expect(frame).toContain('2 non-finite (NaN/Inf) not drawn');
    expect(frame).toContain('loss (1/1)');
  });

  it('fits long series into the width by averaging', () => {
    expect(resample([1, 3, 5, 7], 2)).toEqual([2, 6]);
    expect(resample([1, 2], 5)).toEqual([1, 2]);
    const lines = chartLines(Array.from({ length: 1000 }, (_, i) => Math.sin(i / 50)), 60, 6);
    expect(lines).toHaveLength(6);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
  });

  it('labels a flat series with its value', () => {
    expect(chartLines([0.5, 0.5, 0.5], 40, 3).join('\n')).toContain('0.5');
    expect(chartLines([NaN], 40, 3)).toEqual([]);
  });

  it('draws a sparkline from lowest to highest', () => {
    expect(sparkline([1, 2, 3, 4, 5, 6, 7, 8], 8)).toBe('▁▂▃▄▅▆▇█');
    expect(sparkline([5, 5], 8)).toBe('▅▅');
    expect(sparkline([1, 2, 3], 2)).toBe('▁█');
    expect(sparkline([], 8)).toBe('');
  });
});
