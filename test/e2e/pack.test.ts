/**
 * `npm pack` gives a package that another project installs, imports with full types, and runs:
 * the packed CLI trains a script of the consumer project from its own folder.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const rootPackage = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
let consumer: string;

const CONSUMER_SCRIPT = `import { Fabric, tensorDataLoader, type TrainFn } from 'tfjs-fabric';

export const train: TrainFn = async (fabric: Fabric) => {
  const tf = fabric.tf;
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 1 })] });
  const [net, optimizer] = fabric.setup(model, tf.train.sgd(0.1));
  const xs = tf.randomNormal([32, 3], 0, 1, 'float32', 1);
  const ys = tf.sum(xs, 1, true);
  const [loader] = fabric.setupDataloaders(tensorDataLoader([xs, ys], { batchSize: 8 }));
  for (const [x, y] of loader) {
    const loss: number = await fabric.backward(() => tf.losses.meanSquaredError(y, net.apply(x) as typeof y) as ReturnType<typeof tf.scalar>);
    await optimizer.step();
    optimizer.zeroGrad();
    fabric.log('loss', loss);
  }
  fabric.print('CONSUMER_DONE', fabric.worldSize);
};
`;

beforeAll(() => {
  consumer = fs.mkdtempSync(path.join(os.tmpdir(), 'fabric-consumer-'));
  execFileSync('npm', ['pack', '--ignore-scripts', '--pack-destination', consumer], { cwd: root, stdio: 'pipe' });
  const tarball = `tfjs-fabric-${rootPackage.version}.tgz`;
  fs.writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', type: 'module', private: true }));
  fs.writeFileSync(
    path.join(consumer, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, noEmit: true, types: ['node'] } }),
  );
  fs.writeFileSync(path.join(consumer, 'train.ts'), CONSUMER_SCRIPT);
  const devDeps = rootPackage.devDependencies as Record<string, string>;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', `./${tarball}`, `typescript@${devDeps.typescript}`, `@types/node@${devDeps['@types/node']}`], {
    cwd: consumer,
    stdio: 'pipe',
  });
}, 240_000);

afterAll(() => fs.rmSync(consumer, { recursive: true, force: true }));

describe('npm pack', () => {
  it('ships compiled JS with .d.ts and no tests or sources', () => {
    const installed = path.join(consumer, 'node_modules/tfjs-fabric');
    expect(fs.existsSync(path.join(installed, 'dist/src/index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/src/fabric.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/src/launcher/rank-entry.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'test'))).toBe(false);
  });

  it('typechecks a consumer script against the shipped types', () => {
    // tfjs's own .d.ts files do not pass skipLibCheck=false, so judge only errors in our files and the consumer's.
    const result = spawnSync(process.execPath, [path.join(consumer, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    const ours = result.stdout.split('\n').filter((line) => line.includes('tfjs-fabric/') || line.startsWith('train.ts'));
    expect(ours).toEqual([]);
    const broken = `${CONSUMER_SCRIPT}\nconst wrong: string = 1 as number;\n`;
    fs.writeFileSync(path.join(consumer, 'broken.ts'), broken);
    const check = spawnSync(process.execPath, [path.join(consumer, 'node_modules/typescript/bin/tsc'), '-p', '.'], { cwd: consumer, encoding: 'utf8' });
    fs.rmSync(path.join(consumer, 'broken.ts'));
    expect(check.stdout).toContain('broken.ts');
  });

  it('runs the installed `fabric` binary on the consumer script', () => {
    const env = { ...process.env };
    delete env.NODE_ENV;
    const result = spawnSync(path.join(consumer, 'node_modules/.bin/fabric'), ['run', 'model', '--accelerator=cpu', 'train.ts'], { cwd: consumer, encoding: 'utf8', env });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    expect(result.stdout).toContain('[rank 0] CONSUMER_DONE 1');
    const metrics = fs.readFileSync(path.join(consumer, 'runs/fabric/version_0/metrics.csv'), 'utf8').trim().split('\n');
    expect(metrics[0]).toBe('step,loss');
    expect(metrics).toHaveLength(5);
  });
});
