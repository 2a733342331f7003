/**
 * The interactive template picker of `fabric init` (only shown when stdin is a terminal and no --template
 * was given). Ink is imported lazily, so non-interactive runs never load React.
 */
import type { ProjectTemplate } from './templates.js';

/** Resolves with the chosen template name, or undefined when the user quit (Ctrl+C / Esc). */
export async function selectTemplate(templates: readonly ProjectTemplate[]): Promise<string | undefined> {
  const [{ createElement: h, useState }, ink, { Select }] = await Promise.all([import('react'), import('ink'), import('@inkjs/ui')]);
  const { Box, Text, render, useApp, useInput } = ink;
  let chosen: string | undefined;
  const width = Math.max(...templates.map((t) => t.name.length));
  // No defaultValue: @inkjs/ui reports a choice only when it differs from the default, so Enter on it would do nothing.
  const options = templates.map((t) => ({ label: `${t.name.padEnd(width)}  ${t.description}`, value: t.name }));

  function Picker() {
    const { exit } = useApp();
    const [done, setDone] = useState<string | undefined>(undefined);
    useInput((_input, key) => {
      if (key.escape) exit();
    });
    if (done) return h(Text, null, h(Text, { color: 'green' }, '✔'), ` Template: ${done}`);
    return h(
      Box,
      { flexDirection: 'column' },
      h(Text, { bold: true }, 'Which template? ', h(Text, { dimColor: true }, '(↑/↓ to move, Enter to choose, Esc to quit)')),
      h(Select, {
        options,
        visibleOptionCount: templates.length,
        onChange: (value: string) => {
          chosen = value;
          setDone(value);
          // Let Ink draw the confirmation line before leaving.
          setTimeout(exit, 0);
        },
      }),
    );
  }

  const app = render(h(Picker), { exitOnCtrlC: true });
  await app.waitUntilExit();
  return chosen;
}
