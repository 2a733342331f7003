import { Box, Text } from 'ink';
import type { RunEndInfo } from '../launcher/observer.js';
import { formatMetric } from './plain.js';
import { classifyLine, shownPath } from './format.js';
import { rankViews, type RunState } from './run-store.js';
import { bestText, outcomeText, resumeCommandText, statusText } from './status-text.js';

export interface SummaryProps {
  state: RunState;
  summary: RunEndInfo;
  cwd?: string;
  /** Lines of the failed rank's log to show. */
  errorLines?: number;
}

/** The end of a run: outcome, final and best metrics, ranks, and where logs, metrics and checkpoints are. */
export function Summary({ state, summary, cwd = process.cwd(), errorLines = 12 }: SummaryProps) {
  const color = summary.status === 'finished' ? 'green' : summary.status === 'failed' ? 'red' : 'yellow';
  const chart = state.chartRank === undefined ? undefined : state.ranks[state.chartRank];
  const finals = chart ? Object.entries(chart.metrics) : [];
  const bests = Object.entries(state.stats).map(([name, stats]) => bestText(name, stats));
  const logs = Object.entries(summary.logPaths).map(([, p]) => shownPath(p, cwd));
  const resume = resumeCommandText(summary, cwd);
  const failedLog = summary.failedRank === undefined ? [] : (state.logs[summary.failedRank] ?? []).slice(-errorLines);
  return (
    <Box flexDirection="column" borderStyle="round" borderColor={color} paddingX={1}>
      <Text wrap="truncate-end">
        <Text bold color={color}>Run {outcomeText(summary)}</Text>  <Text dimColor>{state.label}</Text>
      </Text>
      {finals.length > 0 ? (
        <Text wrap="wrap">
          <Text dimColor>final (rank {chart!.rank}, step {chart!.step}) </Text>
          {finals.map(([name, value]) => `${name}=${formatMetric(value)}`).join('  ')}
        </Text>
      ) : null}
      {bests.length > 0 ? (
        <Text wrap="wrap">
          <Text dimColor>best </Text>
          {bests.join(' · ')}
        </Text>
      ) : null}
      <Text wrap="wrap">
        <Text dimColor>ranks </Text>
        {rankViews(state).map((r) => `${r.rank} ${statusText(r)} at step ${r.step}`).join(' · ')}
      </Text>
      <Text wrap="wrap">
        <Text dimColor>logs </Text>
        {logs.join('  ')}
      </Text>
      <Text wrap="wrap">
        <Text dimColor>metrics </Text>
        {shownPath(summary.metricsCsv, cwd)}
        <Text dimColor>  checkpoints </Text>
        {shownPath(summary.checkpoints, cwd)} ({summary.checkpointCount})
      </Text>
      {resume ? (
        <Text wrap="wrap">
          <Text dimColor>continue with </Text>
          {resume}
        </Text>
      ) : null}
      {failedLog.length > 0 ? (
        <Box flexDirection="column" marginTop={1}>
          <Text bold color="red">
            last lines of rank {summary.failedRank}:
          </Text>
          {failedLog.map((line, i) => (
            <Text key={i} color={classifyLine(line) === 'error' ? 'red' : undefined} wrap="truncate-end">
              {line || ' '}
            </Text>
          ))}
        </Box>
      ) : null}
    </Box>
  );
}
