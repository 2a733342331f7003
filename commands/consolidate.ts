import * as path from 'node:path';
import { Args, Command, Flags } from '@oclif/core';
import { consolidateCheckpoint } from '../src/checkpoint/consolidate.js';
import { isFabricUserError } from '../src/errors.js';

export default class Consolidate extends Command {
  static override summary = 'Write one model.safetensors from a checkpoint, e.g. the shards that zero1/zero2/fsdp ranks wrote.';
  static override description =
    'Reads the checkpoint directory (its state.json, model.safetensors or model-0000K-of-0000N.safetensors shards with their index), checks every file against its recorded SHA-256, and writes the model\'s weights to one safetensors file named the way fabric.loadRaw(path, model) and Python\'s safetensors expect. The checkpoint itself is not changed.';
  static override examples = [
    { description: 'Consolidate a sharded checkpoint next to it', command: '<%= config.bin %> consolidate runs/fabric/version_0/checkpoints/step_100' },
    { description: 'Choose the output file', command: '<%= config.bin %> consolidate runs/fabric/version_0/checkpoints/step_100 --output model.safetensors' },
  ];
  static override args = {
    checkpoint: Args.string({ description: 'Checkpoint directory written by fabric.save.', required: true }),
  };
  static override flags = {
    output: Flags.string({ char: 'o', description: 'File to write [default: <checkpoint>/../<checkpoint name>.safetensors].', helpValue: '<file.safetensors>' }),
    entry: Flags.string({ description: 'Which model of the checkpoint, when it saved several (the key passed to fabric.save).', helpValue: '<key>' }),
    force: Flags.boolean({ description: 'Replace the output file if it exists.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Consolidate);
    const dir = path.resolve(args.checkpoint);
    const output = path.resolve(flags.output ?? `${dir}.safetensors`);
    try {
      const result = await consolidateCheckpoint(dir, { output, entry: flags.entry, force: flags.force });
      this.log(`Wrote ${result.tensors} tensors of '${result.entry}' (${(result.bytes / 2 ** 20).toFixed(2)} MiB) to ${path.relative(process.cwd(), result.output) || result.output}`);
    } catch (error) {
      if (isFabricUserError(error)) this.error(error.message, { exit: 2 });
      throw error;
    }
  }
}
