import { Box, Text } from 'ink';
import * as path from 'node:path';
import { formatDuration } from './format.js';
import type { RunState } from './run-store.js';

export interface HeaderProps {
  state: RunState;
  /** The clock the dashboard draws with (ms since the epoch). */
  now: number;
}

function configText(config: Record<string, unknown>, key: string): string {
  const value = config[key];
  return value === undefined || value === null ? '?' : String(value);
}

/** Seconds left at the chart rank's current pace, when the run's length is known. */
export function etaSeconds(state: RunState): number | undefined {
  const rank = state.chartRank === undefined ? undefined : state.ranks[state.chartRank];
  if (!state.totalSteps || !rank || !rank.stepsPerSecond || rank.stepsPerSecond <= 0) return undefined;
  return Math.max(0, state.totalSteps - rank.step) / rank.stepsPerSecond;
}

/** 'auto' is resolved the way the ranks resolve it: ddp with more than one rank, else single_device. */
function strategyText(strategy: string, worldSize: number): string {
  return strategy === 'auto' ? `auto→${worldSize > 1 ? 'ddp' : 'single_device'}` : strategy;
}

/** Run name and version, script, how it runs (accelerator/backend, strategy, precision, ranks), elapsed and ETA. */
export function Header({ state, now }: HeaderProps) {
  const info = state.info;
  if (!info) return <Text dimColor>tfjs-fabric: waiting for the run to start…</Text>;
  const backend = state.chartRank === undefined ? undefined : state.ranks[state.chartRank]?.backend;
  const accelerator = `${configText(info.config, 'accelerator')}${backend ? ` (${backend})` : ''}`;
  const elapsed = state.ended ? state.ended.seconds : (now - info.startTime) / 1000;
  const eta = state.ended ? undefined : etaSeconds(state);
  const chart = state.chartRank === undefined ? undefined : state.ranks[state.chartRank];
  const stepOf = state.totalSteps && chart ? `  step ${chart.step}/${state.totalSteps}` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold color="cyan">tfjs-fabric</Text> <Text bold>{state.label}</Text>  <Text dimColor>script</Text> {path.basename(info.script)}
        {state.stopping && !state.ended ? <Text color="yellow">  stopping…</Text> : null}
      </Text>
      <Text wrap="truncate-end">
        {accelerator} · {strategyText(configText(info.config, 'strategy'), info.worldSize)} · {configText(info.config, 'precision')} · {info.worldSize} {info.worldSize === 1 ? 'rank' : 'ranks'}
        {'  '}<Text dimColor>elapsed</Text> {formatDuration(elapsed)}
        {eta !== undefined ? <Text>  <Text dimColor>ETA</Text> {formatDuration(eta)}</Text> : null}
        {stepOf}
      </Text>
    </Box>
  );
}
