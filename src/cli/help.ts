import { Help } from '@oclif/core';

/** Root help (`fabric --help`) ends with examples a newcomer can paste, as each command's help does. */
export default class FabricHelp extends Help {
  protected override formatRoot(): string {
    const bin = this.config.bin;
    const examples = [
      ['Start a project from a template (minimal, mlp, transformer-lm)', `${bin} init my-project --template mlp`],
      ['Train the two-spirals demo on the default CPU backend', `${bin} run model templates/mlp/train.ts`],
      ['Pass arguments to your script after its path', `${bin} run model --seed=42 templates/mlp/train.ts -- --epochs 20`],
      ['Watch the latest run (metrics and rank logs), live or afterwards', `${bin} logs --follow`],
      ['Show Node, tfjs backends and the resolved config', `${bin} env`],
    ];
    const body = examples.map(([what, command]) => `${what}\n  $ ${command}`).join('\n\n');
    return `${super.formatRoot()}\n\n${this.section('EXAMPLES', body)}`;
  }
}
