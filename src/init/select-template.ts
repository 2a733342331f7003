/**
 * The interactive template picker of `fabric init` (only shown when stdin is a terminal and no --template
 * was given). Ink is imported lazily, so non-interactive runs never load React.
 */
import type { ProjectTemplate } from './templates.js';

/** Resolves with the chosen template name, or undefined when the user quit (Ctrl+C / Esc). */
export async function selectTemplate(templates: readonly ProjectTemplate[]): Promise<string | undefined> {
  const [{ createElement: h }, ink, { Select }] = await Promise.all([import('react'), import('ink'), import('@inkjs/ui')]);
  const { Box, Text, render, useApp, useInput } = ink;
  let chosen: string | undefined;
  const width = Math.max(...templates.map((t) => t.name.length));
  // No defaultValue: @inkjs/ui reports a choice only when it differs from the default, so Enter on it would do nothing.
  const options = templates.map((t) => ({ label: `${t.name.padEnd(width)}  ${t.description}`, value: t.name }));

  function Picker() {
    const { exit } = useApp();
    useInput((_input, key) => {
      if (key.escape) exit();
    });
    return h(
      Box,
      { flexDirection: 'column' },
      h(Text, { bold: true }, 'Which template? ', h(Text, { dimColor: true }, '(↑/↓ to move, Enter to choose, Esc to quit)')),
      h(Select, {
        options,
        visibleOptionCount: templates.length,
        onChange: (value: string) => {
          chosen = value;
          exit();
        },
      }),
    );
  }

  const app = render(h(Picker), { exitOnCtrlC: true });
  await app.waitUntilExit();
  // Printed after Ink has let go of the terminal, so the confirmation is always on screen.
  if (chosen) process.stdout.write(`\u2714 Template: ${chosen}\n`);
  return chosen;
}
