import { describe, expect, it } from 'vitest';
import { layoutFor } from '../../src/tui/layout.js';

describe('layoutFor', () => {
  it('fits header, table, chart, log and key line under the screen height', () => {
    for (const [rows, ranks] of [[24, 2], [40, 2], [50, 8], [30, 64]]) {
      const { tableRows, chartHeight, logLines } = layoutFor(rows, ranks);
      const folded = tableRows < ranks ? 1 : 0;
      const used = 2 + 3 + (tableRows + 1 + folded) + (chartHeight + 3) + (logLines + 1) + 1;
      expect(used).toBeLessThanOrEqual(rows - 1);
      expect(chartHeight).toBeGreaterThanOrEqual(3);
      expect(logLines).toBeGreaterThanOrEqual(2);
    }
  });

  it('shows every rank when there is room and folds the rest when not', () => {
    expect(layoutFor(40, 4).tableRows).toBe(4);
    expect(layoutFor(30, 64).tableRows).toBeLessThan(64);
  });

  it('gives a taller screen a taller chart and log', () => {
    const small = layoutFor(24, 2);
    const big = layoutFor(60, 2);
    expect(big.chartHeight).toBeGreaterThan(small.chartHeight);
    expect(big.logLines).toBeGreaterThan(small.logLines);
  });
});
