import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkProjectName, nextSteps, scaffoldProject, toPackageName } from '../../src/init/scaffold.js';
import { readPackageInfo } from '../../src/init/package-root.js';
import { PROJECT_TEMPLATES } from '../../src/init/templates.js';
import { REPO_ROOT } from '../helpers/cli.js';
import { userErrorOf } from '../helpers/user-error.js';

const temp: string[] = [];
afterAll(() => temp.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-init-')));
  temp.push(dir);
  return dir;
}
const rootPackage = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));

describe('scaffoldProject', () => {
  it.each(PROJECT_TEMPLATES.map((t) => t.name))("writes the '%s' template with the common project files", (template) => {
    const dir = path.join(tempDir(), 'My Project');
    const result = scaffoldProject({ dir, template });
    const templateFiles = fs.readdirSync(path.join(REPO_ROOT, 'templates', template));
    expect(result.files).toEqual([...new Set([...templateFiles, 'package.json', 'tsconfig.json', '.gitignore'])].sort());
    expect(fs.readdirSync(dir).sort()).toEqual(result.files);
    expect(result.name).toBe('my-project');
    expect(result.overwritten).toEqual([]);
    expect(fs.readFileSync(path.join(dir, 'train.ts'), 'utf8')).toContain('export async function train(');
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toMatch(/^# my-project$/m);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).not.toContain('{{');
    expect(fs.readFileSync(path.join(dir, 'fabric.config.yaml'), 'utf8')).toMatch(/^name: my-project$/m);
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^node_modules\/$/m);
    expect(fs.readFileSync(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^fabric\.token$/m);
    const tsconfig = JSON.parse(fs.readFileSync(path.join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ module: 'NodeNext', strict: true, noEmit: true });
  });

  it('package.json depends on this checkout by file: path, plus what the template imports, with our versions', () => {
    const dir = tempDir();
    scaffoldProject({ dir, template: 'transformer-lm', name: 'lm-demo' });
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'lm-demo', private: true, type: 'module', scripts: { train: 'fabric run model train.ts' } });
    expect(manifest.dependencies).toEqual({ 'tfjs-fabric': `file:${fs.realpathSync(REPO_ROOT)}`, yaml: rootPackage.dependencies.yaml });
    expect(manifest.devDependencies).toEqual({ '@types/node': rootPackage.devDependencies['@types/node'], typescript: rootPackage.devDependencies.typescript });
  });

  it('an installed tfjs-fabric makes the project depend on its version', () => {
    const base = tempDir();
    const root = path.join(base, 'node_modules', 'tfjs-fabric');
    fs.mkdirSync(path.join(root, 'templates'), { recursive: true });
    fs.cpSync(path.join(REPO_ROOT, 'templates', 'minimal'), path.join(root, 'templates', 'minimal'), { recursive: true });
    fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ ...rootPackage, version: '2.0.1' }));
    const dir = path.join(base, 'app');
    const result = scaffoldProject({ dir, template: 'minimal', packageInfo: readPackageInfo(root) });
    expect(result.dependencySpec).toBe('^2.0.1');
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).dependencies).toEqual({ 'tfjs-fabric': '^2.0.1' });
  });

  it('refuses a non-empty folder, listing what is there, and writes nothing', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    fs.mkdirSync(path.join(dir, 'data'));
    const message = userErrorOf(() => scaffoldProject({ dir, template: 'minimal' }));
    expect(message).toContain(`The folder '${dir}' is not empty (it holds: data, notes.txt)`);
    expect(message).toContain('--force');
    expect(fs.readdirSync(dir).sort()).toEqual(['data', 'notes.txt']);
  });

  it('treats a folder with only .git as empty', () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, '.git'));
    expect(scaffoldProject({ dir, template: 'minimal' }).files).toContain('train.ts');
  });

  it('--force writes into a non-empty folder, overwriting same-named files and keeping the rest', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'train.ts'), 'old');
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'mine');
    const result = scaffoldProject({ dir, template: 'minimal', force: true });
    expect(result.overwritten).toEqual(['train.ts']);
    expect(fs.readFileSync(path.join(dir, 'train.ts'), 'utf8')).toContain('export async function train(');
    expect(fs.readFileSync(path.join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it('explains an unknown template (with a suggestion), a file in the way and a bad --name', () => {
    const dir = tempDir();
    expect(userErrorOf(() => scaffoldProject({ dir, template: 'gpt' }))).toBe("There is no template 'gpt'. Choose one of: minimal, mlp, transformer-lm.");
    expect(userErrorOf(() => scaffoldProject({ dir, template: 'transformer' }))).toContain("Did you mean 'transformer-lm'?");
    expect(userErrorOf(() => scaffoldProject({ dir, template: 'mpl' }))).toContain("Did you mean 'mlp'?");
    const file = path.join(dir, 'file');
    fs.writeFileSync(file, '');
    expect(userErrorOf(() => scaffoldProject({ dir: file, template: 'mlp' }))).toContain('is a file, not a folder');
    expect(userErrorOf(() => scaffoldProject({ dir: path.join(dir, 'x'), template: 'mlp', name: 'My App' }))).toContain('Try --name my-app');
    expect(fs.existsSync(path.join(dir, 'x'))).toBe(false);
  });

  it('a scoped --name keeps its scope in package.json; the run name drops it', () => {
    const dir = tempDir();
    scaffoldProject({ dir, template: 'minimal', name: '@me/demo' });
    expect(JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name).toBe('@me/demo');
    expect(fs.readFileSync(path.join(dir, 'fabric.config.yaml'), 'utf8')).toMatch(/^name: demo$/m);
  });
});

describe('project names', () => {
  it('turns folder names into npm names', () => {
    expect(toPackageName('My Project')).toBe('my-project');
    expect(toPackageName('_private.stuff')).toBe('private.stuff');
    expect(toPackageName('a  b__c!')).toBe('a-b__c');
    expect(toPackageName('!!!')).toBe('fabric-project');
  });

  it('accepts valid npm names and refuses others', () => {
    expect(() => checkProjectName('ok-name.v2')).not.toThrow();
    expect(() => checkProjectName('@scope/pkg')).not.toThrow();
    expect(userErrorOf(() => checkProjectName('.hidden'))).toContain('not a valid npm package name');
    expect(userErrorOf(() => checkProjectName('Upper'))).toContain('Try --name upper');
  });
});

describe('nextSteps', () => {
  it('tells where the project is and how to install and run it', () => {
    const base = tempDir();
    const result = scaffoldProject({ dir: path.join(base, 'lm'), template: 'transformer-lm' });
    const text = nextSteps(result, base).join('\n');
    expect(text).toContain("Created lm from the 'transformer-lm' template");
    expect(text).toContain('  cd lm\n  npm install\n  npx fabric run model train.ts --steps 50');
    expect(text).toContain('tfjs-fabric is taken from this checkout');
    expect(nextSteps(result, path.join(base, 'lm')).join('\n')).not.toContain('cd ');
  });
});
