/** The project templates `fabric init` can write; each is a folder under the package's `templates/`. */

export interface ProjectTemplate {
  name: string;
  /** One line for the selection list and `--help`. */
  description: string;
  /** Packages the template's scripts import besides tfjs-fabric; versions come from our own package.json. */
  extraDependencies: string[];
  /** Script arguments for a first, short run shown in the next steps. */
  firstRunArgs: string;
}

export const PROJECT_TEMPLATES: readonly ProjectTemplate[] = Object.freeze([
  { name: 'minimal', description: 'one dense unit fits a line: the smallest train.ts', extraDependencies: [], firstRunArgs: '' },
  { name: 'mlp', description: 'an MLP on two spirals, as a plain loop and as a FabricModule', extraDependencies: [], firstRunArgs: '' },
  {
    name: 'transformer-lm',
    description: 'a character-level Transformer language model on the Brown corpus',
    extraDependencies: ['yaml'],
    firstRunArgs: ' --steps 50',
  },
]);

export const TEMPLATE_NAMES: readonly string[] = PROJECT_TEMPLATES.map((t) => t.name);

/** The template used when none was chosen and nobody can be asked (stdin is not a terminal). */
export const DEFAULT_TEMPLATE = 'mlp';

export function findTemplate(name: string): ProjectTemplate | undefined {
  return PROJECT_TEMPLATES.find((t) => t.name === name);
}
