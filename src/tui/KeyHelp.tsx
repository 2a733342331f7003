import { Box, Text } from 'ink';

export interface KeyHelpProps {
  expanded: boolean;
  /** `fabric logs`: keys leave the viewer instead of stopping the run. */
  readOnly: boolean;
  /** The user already asked the run to stop once. */
  stopping: boolean;
}

/** Every key the dashboard answers to, in the order the help lists them. */
export function keyBindings(readOnly: boolean): [string, string][] {
  return [
    ['?', 'show or hide this help'],
    readOnly ? ['q', 'leave the viewer (the run goes on)'] : ['q', 'stop the run gracefully (as a first Ctrl+C); again to force'],
    readOnly ? ['Ctrl+C', 'leave the viewer'] : ['Ctrl+C', 'first: stop gracefully; second: force every rank to stop'],
    ['m  →', 'next metric in the chart'],
    ['M  ←', 'previous metric'],
    ['tab  ↓', "next rank's log"],
    ['shift+tab  ↑', "previous rank's log"],
    ['0-9', "log of that rank"],
  ];
}

/** A one-line reminder, or with `?` the whole list of keys. */
export function KeyHelp({ expanded, readOnly, stopping }: KeyHelpProps) {
  if (!expanded) {
    const stop = readOnly ? 'q quit' : stopping ? 'q/Ctrl+C force stop' : 'q stop';
    return (
      <Text dimColor wrap="truncate-end">
        ? keys · {stop} · m metric · tab rank
      </Text>
    );
  }
  return (
    <Box flexDirection="column" borderStyle="round" borderColor="gray" paddingX={1}>
      <Text bold>Keys</Text>
      {keyBindings(readOnly).map(([key, what]) => (
        <Text key={key} wrap="truncate-end">
          <Text color="cyan">{key.padEnd(14)}</Text>
          {what}
        </Text>
      ))}
    </Box>
  );
}
