import type { Hook } from '@oclif/core';
import { didYouMean } from '../config/suggest.js';

/** What a script path ends with: `fabric train.ts` means `fabric run model train.ts`. */
const SCRIPT_EXTENSION = /\.(ts|mts|cts|js|mjs|cjs)$/;

/**
 * oclif answers an unknown command with `command runn:train.ts not found`, the words joined by its internal ':'.
 * We answer with one paragraph, exit 2, and the closest command. oclif collects every plain word into the id
 * (`fabric runn train.ts` arrives as `runn:train.ts`), so only the first word is the command the user typed.
 */
const hook: Hook.CommandNotFound = async function (options) {
  const [typed = '', ...rest] = options.id.split(':');
  const visible = options.config.commands.filter((command) => !command.hidden).map((command) => command.id);
  const topLevel = [...new Set(visible.map((id) => id.split(':')[0]!))].sort();
  const listed = visible.map((id) => `fabric ${id.replaceAll(':', ' ')}`).sort().map((command) => `\`${command}\``).join(', ');
  let hint: string;
  if (SCRIPT_EXTENSION.test(typed)) {
    hint = `To train with a script, run \`fabric run ${[typed, ...rest].join(' ')}\` (or \`fabric run model ${typed} ...\`).`;
  } else {
    const guess = didYouMean(typed, topLevel);
    hint = guess ? `Did you mean \`fabric ${guess}\`?` : '';
  }
  this.error(`\`fabric ${typed}\` is not a fabric command. ${hint ? `${hint} ` : ''}The commands are ${listed}; \`fabric --help\` describes them.`, { exit: 2 });
};

export default hook;
