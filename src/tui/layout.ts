/** How many terminal rows each dashboard part gets, so the live frame never outgrows the screen. */

export interface DashboardLayout {
  /** Rank rows in the table (excluding its header). */
  tableRows: number;
  /** Rows of the plot itself. */
  chartHeight: number;
  /** Log lines (the expanded key help takes the log pane's place). */
  logLines: number;
}

const HEADER = 2;
const GAPS = 3; // blank lines between header/table, table/chart, chart/log
const FOOTER = 1;
const CHART_CHROME = 3; // title, step axis, sparkline
const LOG_TITLE = 1;

/**
 * Splits `rows` between the parts: the table first (at most a third), then the chart (under half of
 * the rest, 3-12 rows), the rest to the log. One row stays free: a frame as tall as the screen makes Ink clear it.
 */
export function layoutFor(rows: number, rankCount: number): DashboardLayout {
  const usable = Math.max(16, rows - 1);
  const tableRows = Math.max(1, Math.min(rankCount, Math.floor(usable / 3) - 1));
  const tableBlock = tableRows + 1 + (tableRows < rankCount ? 1 : 0);
  const rest = usable - HEADER - GAPS - FOOTER - tableBlock - CHART_CHROME - LOG_TITLE;
  const chartHeight = Math.max(3, Math.min(12, Math.floor(rest * 0.45)));
  return { tableRows, chartHeight, logLines: Math.max(2, rest - chartHeight) };
}
