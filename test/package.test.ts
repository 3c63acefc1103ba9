// The published package, as another project sees it: `npm pack` (whose prepack script builds
// dist/), install the tarball into a fresh ESM project, and use kiln from plain Node and from
// TypeScript. The pack runs on a copy of the sources in a temp dir, so the test never rewrites
// the working tree's dist/ under someone else's feet.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const isWindows = process.platform === 'win32';

/** Runs a command and returns its stdout; a failure's message carries both of its streams. */
async function command(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, {
      cwd, shell: isWindows && file.endsWith('.cmd'), maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, npm_config_update_notifier: 'false' },
    });
    return stdout;
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}\n${stdout}\n${stderr}`, { cause: error });
  }
}

const npm = (args: string[], cwd: string) => command(isWindows ? 'npm.cmd' : 'npm', args, cwd);
const node = (args: string[], cwd: string) => command(process.execPath, args, cwd);

describe('the npm package', () => {
  let work: string;
  let app: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-package-'));
    app = join(work, 'app');
    const source = join(work, 'source');
    for (const entry of ['package.json', 'README.md', 'tsconfig.json', 'tsconfig.build.json', 'src']) {
      await cp(join(root, entry), join(source, entry), { recursive: true });
    }
    await symlink(join(root, 'node_modules'), join(source, 'node_modules'), 'junction');
    // No dist/ in the copy: `prepack` must build it, as on a clean clone.
    await npm(['pack', '--pack-destination', work, '--silent'], source);
    const tarball = (await readdir(work)).find((name) => name.endsWith('.tgz'));
    if (!tarball) throw new Error(`npm pack wrote no tarball into ${work}`);

    await mkdir(app);
    await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'kiln-consumer', private: true, type: 'module' }, null, 2));
    // Without optional dependencies (webgpu's Dawn binary): kiln must load and run on the CPU without them.
    await npm(['install', join(work, tarball), '--omit=optional', '--no-audit', '--no-fund', '--prefer-offline', '--silent'], app);
  }, 240_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('imports from plain Node ESM and runs a compiled function', async () => {
    await writeFile(join(app, 'main.mjs'), [
      "import * as kiln from 'kiln';",
      "import { keras } from 'kiln';",
      "import * as kerasEntry from 'kiln/keras';",
      'const f = kiln.compile((x) => x.mul(2).add(1));',
      'const y = f(kiln.tensor([1, 2, 3]));',
      'console.log(JSON.stringify({ values: Array.from(y.dataSync()), shape: y.shape, dtype: y.dtype,',
      "  traceCount: f.traceCount, keras: typeof keras, sameKeras: keras.version === kerasEntry.version }));",
    ].join('\n'));
    const out = JSON.parse(await node(['main.mjs'], app)) as unknown;
    expect(out).toEqual({ values: [3, 5, 7], shape: [3], dtype: 'float32', traceCount: 1, keras: 'object', sameKeras: true });
  });

  it('type-checks a TypeScript consumer against the shipped declarations', async () => {
    await writeFile(join(app, 'use.ts'), [
      "import * as kiln from 'kiln';",
      "import { keras } from 'kiln';",
      "import * as kerasEntry from 'kiln/keras';",
      'const f = kiln.compile((x: kiln.Tensor) => x.mul(2).add(1));',
      'const y: kiln.Tensor = f(kiln.tensor([1, 2, 3]));',
      'export const values: number[] = Array.from(y.dataSync());',
      'export const entries = [keras, kerasEntry];',
    ].join('\n'));
    await writeFile(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true,
        skipLibCheck: false, types: [],
      },
      files: ['use.ts'],
    }));
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    await expect(node([tsc, '-p', 'tsconfig.json'], app)).resolves.toBe('');
  });

  it('installs the kiln command', async () => {
    const { version } = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string };
    expect((await npm(['exec', '--no', '--', 'kiln', '--version'], app)).trim()).toBe(version);
    expect(await npm(['exec', '--no', '--', 'kiln', '--help'], app)).toContain('inspect');
  });
});
