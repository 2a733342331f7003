import { Box, Static, Text, useInput, useStdin } from 'ink';
import { useState } from 'react';
import { Header } from './Header.js';
import { KeyHelp } from './KeyHelp.js';
import { layoutFor } from './layout.js';
import { LogTail } from './LogTail.js';
import { MetricChart } from './MetricChart.js';
import { RankTable } from './RankTable.js';
import { metricNames, rankViews, type RunState } from './run-store.js';
import { Summary } from './Summary.js';

export interface DashboardProps {
  state: RunState;
  /** The clock to draw with (ms since the epoch); the observer passes it so frames are reproducible. */
  now: number;
  columns: number;
  rows: number;
  /** `fabric logs`: looking at a run from outside; q leaves instead of stopping it. */
  readOnly?: boolean;
  /** q or Ctrl+C: stop the run (live) or leave the viewer (read-only); without it the view takes no keys (a snapshot). */
  onStop?: () => void;
  initialMetric?: string;
  initialRank?: number;
  cwd?: string;
}

/** The next item after (or before) `current` in `list`, wrapping around. */
function cycle<T>(list: readonly T[], current: T | undefined, by: number): T | undefined {
  if (list.length === 0) return current;
  const index = current === undefined ? -1 : list.indexOf(current);
  return list[(((index < 0 ? 0 : index + by) % list.length) + list.length) % list.length];
}

/** The whole live view: header, rank table, metric chart, log tail, key help; the summary once the run ends. */
export function Dashboard({ state, now, columns, rows, readOnly = false, onStop, initialMetric, initialRank, cwd }: DashboardProps) {
  const names = metricNames(state);
  const ranks = rankViews(state);
  const rankIds = ranks.map((r) => r.rank);
  const [chosenMetric, setMetric] = useState<string | undefined>(initialMetric);
  const [chosenRank, setRank] = useState<number | undefined>(initialRank);
  const [helpShown, setHelpShown] = useState(false);
  const metricOf = (chosen: string | undefined) => (chosen !== undefined && names.includes(chosen) ? chosen : names[0]);
  const rankOf = (chosen: number | undefined) => (chosen !== undefined && rankIds.includes(chosen) ? chosen : (state.info?.liveRank ?? rankIds[0]));
  const metric = metricOf(chosenMetric);
  const logRank = rankOf(chosenRank);
  const { isRawModeSupported } = useStdin();

  // Updates go through the setters' functions: two quick keys must not both start from the same stale value.
  useInput(
    (input, key) => {
      if (input === 'q' || (key.ctrl && input === 'c')) onStop?.();
      else if (input === '?') setHelpShown((shown) => !shown);
      else if (input === 'm' || key.rightArrow) setMetric((chosen) => cycle(names, metricOf(chosen), 1));
      else if (input === 'M' || key.leftArrow) setMetric((chosen) => cycle(names, metricOf(chosen), -1));
      else if ((key.tab && key.shift) || key.upArrow) setRank((chosen) => cycle(rankIds, rankOf(chosen), -1));
      else if (key.tab || key.downArrow) setRank((chosen) => cycle(rankIds, rankOf(chosen), 1));
      else if (/^[0-9]$/.test(input) && rankIds.includes(Number(input))) setRank(Number(input));
      else if (key.escape) setHelpShown(false);
    },
    { isActive: onStop !== undefined && isRawModeSupported === true && !state.ended },
  );

  const layout = layoutFor(rows, ranks.length);
  const width = Math.max(20, columns - 1);
  const notices = (
    <Static items={[...state.notices]}>
      {(notice, i) => (
        <Text key={i} color={/error|fail|stalled|forcing/i.test(notice) ? 'red' : 'yellow'}>
          {notice}
        </Text>
      )}
    </Static>
  );
  const chart = <MetricChart metric={metric} names={names} points={metric ? (state.series[metric] ?? []) : []} throughput={state.throughput} width={width} height={state.ended ? Math.min(layout.chartHeight, 8) : layout.chartHeight} />;

  // Header, rank table and chart stay; below them the final summary replaces the log pane and key help.
  return (
    <Box flexDirection="column" width={width}>
      {notices}
      <Header state={state} now={now} />
      <Box marginTop={1}>
        <RankTable ranks={ranks} now={now} maxRows={layout.tableRows} />
      </Box>
      <Box marginTop={1}>{chart}</Box>
      {state.ended ? (
        <Summary state={state} summary={state.ended} cwd={cwd} />
      ) : (
        <>
          <Box marginTop={1}>
            {helpShown ? (
              <KeyHelp expanded readOnly={readOnly} stopping={state.stopping} />
            ) : (
              <LogTail rank={logRank} lines={logRank === undefined ? [] : (state.logs[logRank] ?? [])} height={layout.logLines} ranks={rankIds} />
            )}
          </Box>
          {helpShown || !onStop ? null : <KeyHelp expanded={false} readOnly={readOnly} stopping={state.stopping} />}
        </>
      )}
    </Box>
  );
}
