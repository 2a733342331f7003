import { Box, Text } from 'ink';
import { classifyLine, type LineLevel } from './format.js';

export interface LogTailProps {
  rank: number | undefined;
  /** The rank's latest lines, oldest first. */
  lines: readonly string[];
  /** Lines of log shown (the title takes one more). */
  height: number;
  /** Ranks the pane can switch between. */
  ranks: readonly number[];
}

const LEVEL_COLOR: Record<LineLevel, string | undefined> = { error: 'red', warning: 'yellow', info: undefined };

/** Tabs and control characters would move Ink's cursor arithmetic off the grid: show them as spaces. */
function printable(line: string): string {
  return line.replace(/\t/g, '  ').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/[\x00-\x1f\x7f]/g, ' ');
}

/** The tail of one rank's output; warnings yellow, errors and stack frames red. */
export function LogTail({ rank, lines, height, ranks }: LogTailProps) {
  const shown = height > 0 ? lines.slice(-height) : [];
  const switchHint = ranks.length > 1 ? ` (${ranks.indexOf(rank ?? -1) + 1}/${ranks.length}, tab/0-9 switch)` : '';
  return (
    <Box flexDirection="column">
      <Text wrap="truncate-end">
        <Text bold>log rank {rank ?? '-'}</Text>
        <Text dimColor>{switchHint}</Text>
      </Text>
      {shown.length === 0 && height > 0 ? <Text dimColor>(no output yet)</Text> : null}
      {shown.map((line, i) => (
        <Text key={i} color={LEVEL_COLOR[classifyLine(line)]} wrap="truncate-end">
          {printable(line) || ' '}
        </Text>
      ))}
    </Box>
  );
}
