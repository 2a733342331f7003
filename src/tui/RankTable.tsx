import { Box, Text } from 'ink';
import { formatMetric } from './plain.js';
import { formatAge, formatBytes, formatRate, primaryMetric, samplesPerSecond } from './format.js';
import type { RankView } from './run-store.js';
import { statusText } from './status-text.js';

export interface RankTableProps {
  ranks: readonly RankView[];
  now: number;
  /** Rows available for ranks (beyond it a "… N more" line); undefined shows all. */
  maxRows?: number;
}

const STATUS_COLOR: Record<RankView['status'], string | undefined> = {
  starting: 'gray',
  running: 'green',
  stalled: 'yellow',
  finished: 'cyan',
  failed: 'red',
  stopped: 'yellow',
};

function heartbeatText(view: RankView, now: number): string {
  if (view.lastSeen === undefined || view.status === 'finished' || view.status === 'failed' || view.status === 'stopped') return '-';
  return formatAge(now - view.lastSeen);
}

const pad = (text: string, width: number) => (text.length >= width ? `${text.slice(0, width - 1)} ` : text.padEnd(width));

/** One row per rank: step, throughput, last loss, heartbeat age, memory, status; stalled and failed ranks in colour. */
export function RankTable({ ranks, now, maxRows }: RankTableProps) {
  const metric = primaryMetric([...new Set(ranks.flatMap((r) => Object.keys(r.metrics)))]) ?? 'loss';
  const withSamples = ranks.some((r) => samplesPerSecond(r.metrics) !== undefined);
  const shown = maxRows !== undefined && ranks.length > maxRows ? ranks.slice(0, Math.max(1, maxRows - 1)) : ranks;
  const hidden = ranks.length - shown.length;
  const header = ['rank', 'status', 'step', 'steps/s', ...(withSamples ? ['samples/s'] : []), metric, 'heartbeat', 'rss', 'tfjs'];
  const widths = [6, 14, 9, 9, ...(withSamples ? [10] : []), 11, 10, 8, 8];
  return (
    <Box flexDirection="column">
      <Text bold wrap="truncate-end">{header.map((h, i) => pad(h, widths[i])).join('')}</Text>
      {shown.map((view) => {
        const loss = view.metrics[metric];
        const cells = [
          String(view.rank),
          statusText(view),
          String(view.step),
          formatRate(view.stepsPerSecond),
          ...(withSamples ? [formatRate(samplesPerSecond(view.metrics))] : []),
          loss === undefined ? '-' : formatMetric(loss),
          heartbeatText(view, now),
          formatBytes(view.rssBytes),
          formatBytes(view.tfjsBytes),
        ].map((c, i) => pad(c, widths[i]));
        const alarming = view.status === 'stalled' || view.status === 'failed';
        return (
          <Text key={view.rank} wrap="truncate-end" color={alarming ? STATUS_COLOR[view.status] : undefined}>
            {cells[0]}
            <Text color={STATUS_COLOR[view.status]} bold={alarming}>{cells[1]}</Text>
            {cells.slice(2).join('')}
          </Text>
        );
      })}
      {hidden > 0 ? <Text dimColor>… {hidden} more {hidden === 1 ? 'rank' : 'ranks'}</Text> : null}
    </Box>
  );
}
