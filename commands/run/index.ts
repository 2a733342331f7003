import * as fs from 'node:fs';
import { loadHelpClass } from '@oclif/core';
import { splitAtScript } from '../../src/cli/split-argv.js';
import { CONFIG_KEYS, CONFIG_SCHEMA } from '../../src/config/schema.js';
import { didYouMean } from '../../src/config/suggest.js';
import RunModel from './model.js';

/** What a script path ends with; anything else in that position is more likely a mistyped subcommand. */
const SCRIPT_EXTENSION = /\.(ts|mts|cts|js|mjs|cjs)$/;

/** `fabric run <script>`: Lightning's newer form, the same command as `fabric run model <script>`. */
export default class Run extends RunModel {
  static override summary = 'Same as `fabric run model <script>` (Lightning\'s `fabric run <script>` form).';
  static override description = `An alias: \`fabric run [FLAGS] <script> [SCRIPT ARGS]\` does exactly what \`fabric run model [FLAGS] <script> [SCRIPT ARGS]\` does. Its flags are those of \`fabric run model\`, listed below.`;
  static override examples = [
    { description: 'Train the two-spirals demo', command: '<%= config.bin %> run templates/mlp/train.ts' },
    { description: 'Two ranks on this machine, data parallel', command: '<%= config.bin %> run --devices=2 --strategy=ddp templates/mlp/train.ts' },
  ];

  override async run(): Promise<void> {
    if (this.argv.length === 0) {
      // Bare `fabric run` keeps showing the topic's help (its subcommands), as it did before the alias existed.
      const Help = await loadHelpClass(this.config);
      await new Help(this.config).showHelp(['run']);
      return;
    }
    const valueFlags = new Set(['config', 'preset', ...CONFIG_KEYS.filter((k) => CONFIG_SCHEMA[k].rule.kind !== 'boolean').map((k) => CONFIG_SCHEMA[k].flag)]);
    const { script } = splitAtScript(this.argv, valueFlags);
    if (script !== undefined && !SCRIPT_EXTENSION.test(script) && !fs.existsSync(script)) {
      const subcommands = this.config.commandIDs.filter((id) => id.startsWith('run:')).map((id) => id.slice(4));
      const guess = didYouMean(script, subcommands);
      const hint = guess ? `Did you mean \`fabric run ${guess}\`?` : `The subcommands are: ${subcommands.map((s) => `\`fabric run ${s}\``).join(', ')}.`;
      this.error(`\`fabric run ${script}\`: '${script}' is neither a subcommand of \`fabric run\` nor a script path (.ts, .mts or .js). ${hint} To run a script, pass its path: \`fabric run <script.ts>\` or \`fabric run model <script.ts>\`; \`fabric run --help\` lists the flags.`, { exit: 2 });
    }
    await super.run();
  }
}
