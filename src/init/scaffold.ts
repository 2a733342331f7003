/**
 * `fabric init`: writes a project from a template folder, plus the files every project needs
 * (package.json, tsconfig.json, .gitignore). Refuses a non-empty folder unless forced.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { didYouMean } from '../config/suggest.js';
import { FabricUserError } from '../errors.js';
import { fabricDependencySpec, PACKAGE_NAME, readPackageInfo, type PackageInfo } from './package-root.js';
import { findTemplate, TEMPLATE_NAMES, type ProjectTemplate } from './templates.js';

export interface ScaffoldOptions {
  /** Target folder (created when missing). */
  dir: string;
  template: string;
  /** Project name (package.json `name`, run name); default: the folder's name, made npm-safe. */
  name?: string;
  /** Write into a non-empty folder, overwriting files with the same names. */
  force?: boolean;
  /** The tfjs-fabric package to take templates and versions from; default: this one. */
  packageInfo?: PackageInfo;
}

export interface ScaffoldResult {
  dir: string;
  name: string;
  template: ProjectTemplate;
  /** Paths written, relative to `dir`, sorted. */
  files: string[];
  /** The subset of `files` that existed before (only with force). */
  overwritten: string[];
  /** How package.json depends on tfjs-fabric: `file:<checkout>` or `^<version>`. */
  dependencySpec: string;
}

/** Entries an otherwise empty folder may hold (a fresh `git init`, macOS litter). */
const IGNORABLE = new Set(['.git', '.DS_Store', 'Thumbs.db']);
const NPM_NAME = /^(?:@[a-z0-9-~][a-z0-9-._~]*\/)?[a-z0-9-~][a-z0-9-._~]*$/;

/** A folder name turned into a valid npm package name ('My Project' -> 'my-project'). */
export function toPackageName(raw: string): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9-._~]+/g, '-')
    .replace(/^[._-]+/, '')
    .replace(/-+/g, '-')
    .replace(/-$/, '')
    .slice(0, 214);
  return cleaned || 'fabric-project';
}

export function checkProjectName(name: string): void {
  if (name.length > 214 || !NPM_NAME.test(name)) {
    throw new FabricUserError(
      `--name '${name}' is not a valid npm package name (lowercase letters, digits, '-', '.', '_' and '~', not starting with '.' or '_'). Try --name ${toPackageName(name)}.`,
    );
  }
}

/** The run name written into fabric.config.yaml: the package name without a scope, as a folder name. */
function runNameOf(name: string): string {
  return name.replace(/^@[^/]+\//, '').replace(/[^A-Za-z0-9._-]/g, '-');
}

function templateOf(name: string): ProjectTemplate {
  const template = findTemplate(name);
  if (template) return template;
  const guess = didYouMean(name, [...TEMPLATE_NAMES]);
  throw new FabricUserError(`There is no template '${name}'.${guess ? ` Did you mean '${guess}'?` : ''} Choose one of: ${TEMPLATE_NAMES.join(', ')}.`);
}

function checkTarget(dir: string, force: boolean): void {
  if (!fs.existsSync(dir)) return;
  if (!fs.statSync(dir).isDirectory()) throw new FabricUserError(`'${dir}' is a file, not a folder. Choose a new or empty folder for the project.`);
  const entries = fs.readdirSync(dir).filter((entry) => !IGNORABLE.has(entry)).sort();
  if (entries.length === 0 || force) return;
  const shown = entries.slice(0, 8).join(', ') + (entries.length > 8 ? ` and ${entries.length - 8} more` : '');
  throw new FabricUserError(
    `The folder '${dir}' is not empty (it holds: ${shown}). Choose a new or empty folder, or pass --force to write the template's files into it (files with the same names are overwritten; nothing else is touched).`,
  );
}

/** Template files with their contents, README and fabric.config.yaml personalised. */
function templateFiles(templateDir: string, name: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of fs.readdirSync(templateDir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(templateDir, full);
    let text = fs.readFileSync(full, 'utf8');
    if (relative === 'README.md') text = text.replaceAll('{{name}}', name);
    if (relative === 'fabric.config.yaml') text = text.replace(/^name: .*$/m, `name: ${runNameOf(name)}`);
    files.set(relative, text);
  }
  return files;
}

function packageJson(name: string, template: ProjectTemplate, info: PackageInfo, spec: string): string {
  const version = (dep: string) => {
    const found = info.dependencies[dep] ?? info.devDependencies[dep];
    if (!found) throw new Error(`Template '${template.name}' needs ${dep}, which ${PACKAGE_NAME}'s package.json does not list.`);
    return found;
  };
  const dependencies: Record<string, string> = { [PACKAGE_NAME]: spec };
  for (const dep of template.extraDependencies) dependencies[dep] = version(dep);
  const manifest = {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    engines: { node: '>=20' },
    scripts: { train: 'fabric run model train.ts', typecheck: 'tsc --noEmit' },
    dependencies,
    devDependencies: { '@types/node': version('@types/node'), typescript: version('typescript') },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2023'],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    types: ['node'],
  },
  include: ['**/*.ts'],
  exclude: ['node_modules', 'runs'],
};

// fabric.token: the shared secret of multi-node runs (tokenFile); it must never be committed.
const GITIGNORE = 'node_modules/\nruns/\n*.tsbuildinfo\nfabric.token\n';

export function scaffoldProject(options: ScaffoldOptions): ScaffoldResult {
  const template = templateOf(options.template);
  const dir = path.resolve(options.dir);
  const name = options.name ?? toPackageName(path.basename(dir));
  if (options.name !== undefined) checkProjectName(options.name);
  checkTarget(dir, options.force ?? false);

  const info = options.packageInfo ?? readPackageInfo();
  const templateDir = path.join(info.root, 'templates', template.name);
  if (!fs.existsSync(templateDir)) throw new Error(`The ${PACKAGE_NAME} package at ${info.root} has no templates/${template.name} folder; reinstall it.`);
  const dependencySpec = fabricDependencySpec(info);

  const files = templateFiles(templateDir, name);
  files.set('package.json', packageJson(name, template, info, dependencySpec));
  files.set('tsconfig.json', `${JSON.stringify(TSCONFIG, null, 2)}\n`);
  files.set('.gitignore', GITIGNORE);

  const overwritten: string[] = [];
  fs.mkdirSync(dir, { recursive: true });
  for (const [relative, text] of files) {
    const target = path.join(dir, relative);
    if (fs.existsSync(target)) overwritten.push(relative);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
  return { dir, name, template, files: [...files.keys()].sort(), overwritten: overwritten.sort(), dependencySpec };
}

/** What to do after `fabric init`, as lines to print. */
export function nextSteps(result: ScaffoldResult, cwd: string): string[] {
  const relative = path.relative(cwd, result.dir);
  const cd = relative === '' ? [] : [`  cd ${/\s/.test(relative) ? JSON.stringify(relative) : relative}`];
  return [
    `Created ${result.name} from the '${result.template.name}' template in ${result.dir}:`,
    `  ${result.files.join('  ')}`,
    ...(result.overwritten.length > 0 ? [`Overwrote: ${result.overwritten.join(', ')}`] : []),
    ...(result.dependencySpec.startsWith('file:') ? [`tfjs-fabric is taken from this checkout (${result.dependencySpec}).`] : []),
    '',
    'Next steps:',
    ...cd,
    '  npm install',
    `  npx fabric run model train.ts${result.template.firstRunArgs}`,
    '',
    'Then open README.md; `npx fabric run model --help` lists the flags.',
  ];
}
