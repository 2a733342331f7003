import { Args, Command, Flags } from '@oclif/core';
import { isFabricUserError } from '../src/errors.js';
import { nextSteps, scaffoldProject } from '../src/init/scaffold.js';
import { DEFAULT_TEMPLATE, PROJECT_TEMPLATES, TEMPLATE_NAMES } from '../src/init/templates.js';

export default class Init extends Command {
  static override summary = 'Create a new training project from a template.';
  static override description = `Writes train.ts, fabric.config.yaml, package.json, tsconfig.json, .gitignore and a README into <dir> (default: the current folder), then prints the next steps. Templates:\n${PROJECT_TEMPLATES.map((t) => `  ${t.name.padEnd(15)} ${t.description}`).join('\n')}\nWithout --template, a terminal asks you to pick one; elsewhere (pipes, CI) the '${DEFAULT_TEMPLATE}' template is used. A folder that is not empty is refused unless you pass --force.`;
  static override examples = [
    { description: 'A new project in ./my-model, picking the template from a list', command: '<%= config.bin %> init my-model' },
    { description: 'The Transformer language model on the Brown corpus', command: '<%= config.bin %> init lm-demo --template transformer-lm' },
    { description: 'The smallest script, into the current (empty) folder', command: '<%= config.bin %> init --template minimal' },
    { description: 'Write into a folder that already has files, naming the package', command: '<%= config.bin %> init . --template mlp --force --name spirals-demo' },
  ];
  static override args = {
    dir: Args.string({ description: 'Folder to create the project in (created when missing).', default: '.' }),
  };
  static override flags = {
    template: Flags.string({ char: 't', description: `Project template: ${TEMPLATE_NAMES.join(', ')}.`, helpValue: TEMPLATE_NAMES.join('|') }),
    force: Flags.boolean({ char: 'f', description: 'Write into a non-empty folder (files with the same names are overwritten).', default: false }),
    name: Flags.string({ description: 'Project name for package.json and the run directory (default: the folder name).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    let template = flags.template;
    if (template === undefined) {
      if (process.stdin.isTTY && process.stdout.isTTY) {
        const { selectTemplate } = await import('../src/init/select-template.js');
        template = await selectTemplate(PROJECT_TEMPLATES);
        if (template === undefined) this.error('No template chosen; nothing was written.', { exit: 130 });
      } else {
        template = DEFAULT_TEMPLATE;
        this.log(`Using the '${template}' template (stdin is not a terminal; choose with --template ${TEMPLATE_NAMES.join('|')}).`);
      }
    }
    try {
      const result = scaffoldProject({ dir: args.dir, template, name: flags.name, force: flags.force });
      for (const line of nextSteps(result, process.cwd())) this.log(line);
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
