import { plot } from 'asciichart';
import { Box, Text } from 'ink';
import { formatMetric } from './plain.js';
import { formatRate } from './format.js';
import type { MetricPoint } from './run-store.js';

export interface MetricChartProps {
  /** The metric shown, one of `names`. */
  metric: string | undefined;
  names: readonly string[];
  points: readonly MetricPoint[];
  /** Recent steps/s samples, oldest first. */
  throughput: readonly number[];
  width: number;
  /** Rows for the plot itself (the title, axis and sparkline take three more). */
  height: number;
}

const LABEL_WIDTH = 9;
const SPARK = '▁▂▃▄▅▆▇█';

/** Averages consecutive values into at most `columns` buckets, so a long run fits the width. */
export function resample(values: readonly number[], columns: number): number[] {
  if (values.length <= columns || columns < 1) return values.slice();
  const out: number[] = [];
  for (let c = 0; c < columns; c++) {
    const from = Math.floor((c * values.length) / columns);
    const to = Math.max(from + 1, Math.floor(((c + 1) * values.length) / columns));
    let sum = 0;
    for (let i = from; i < to; i++) sum += values[i];
    out.push(sum / (to - from));
  }
  return out;
}

/** A one-line bar chart of recent values: ▁ the lowest, █ the highest. */
export function sparkline(values: readonly number[], width: number): string {
  const recent = values.filter(Number.isFinite).slice(-Math.max(1, width));
  if (recent.length === 0) return '';
  const min = Math.min(...recent);
  const max = Math.max(...recent);
  return recent.map((v) => SPARK[max === min ? SPARK.length >> 1 : Math.round(((v - min) / (max - min)) * (SPARK.length - 1))]).join('');
}

/** The plot of `values` as text lines, labels on the left; [] when there is nothing finite to draw. */
export function chartLines(values: readonly number[], width: number, height: number): string[] {
  const finite = values.filter(Number.isFinite);
  if (finite.length === 0) return [];
  // asciichart puts the whole label into one cell at index 0 (offset 2), then the axis: a row is label + axis + one column per point.
  const columns = Math.max(2, width - LABEL_WIDTH - 1);
  const low = Math.min(...finite);
  const high = Math.max(...finite);
  // A flat series has no range to scale: give it a small one so the label shows the value itself.
  const pad = low === high ? Math.abs(low) * 0.05 || 1 : 0;
  const text = plot(resample(finite, columns), {
    min: low - pad,
    max: high + pad,
    height: Math.max(1, height - 1),
    offset: 2,
    format: (x: number) => `${formatMetric(Number(x.toPrecision(4))).slice(0, LABEL_WIDTH - 1).padStart(LABEL_WIDTH - 1)} `,
  });
  return text.split('\n');
}

/** One metric over steps (keys switch metric) and a sparkline of throughput. */
export function MetricChart({ metric, names, points, throughput, width, height }: MetricChartProps) {
  const values = points.map((p) => p.value);
  const dropped = values.length - values.filter(Number.isFinite).length;
  const lines = height > 0 ? chartLines(values, width, height) : [];
  const position = metric === undefined ? '' : ` (${names.indexOf(metric) + 1}/${names.length}${names.length > 1 ? ', m/← → switch' : ''})`;
  const first = points[0]?.step;
  const last = points[points.length - 1]?.step;
  const latestRate = throughput[throughput.length - 1];
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>{metric ?? 'metrics'}</Text>
        <Text dimColor>{position}</Text>
        {last !== undefined ? <Text>  last {formatMetric(values[values.length - 1])} at step {last}</Text> : null}
        {dropped > 0 ? <Text color="red">  {dropped} non-finite (NaN/Inf) not drawn</Text> : null}
      </Text>
      {height > 0 && lines.length === 0 ? <Text dimColor>no values yet</Text> : null}
      {lines.map((line, i) => (
        <Text key={i} color="cyan" wrap="truncate-end">
          {line}
        </Text>
      ))}
      {first !== undefined && height > 0 ? <Text dimColor wrap="truncate-end">{' '.repeat(LABEL_WIDTH + 1)}steps {first} … {last}</Text> : null}
      <Text wrap="truncate-end">
        <Text dimColor>steps/s </Text>
        <Text color="green">{sparkline(throughput, Math.max(1, width - 24))}</Text>
        <Text> {formatRate(latestRate)}</Text>
      </Text>
    </Box>
  );
}
