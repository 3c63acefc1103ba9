// The Node module hook, end to end in subprocesses: `tsx --import kiln/autograph app.ts` and
// plain `node --import kiln/autograph app.ts` (on a build of src/). With the hook on, plain
// if/while over tensors compile to the same graph as explicit kiln.cond/kiln.whileLoop.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** The app: each pair is the same function written with plain control flow and explicitly. */
const app = (kiln: string) => `import * as kiln from ${JSON.stringify(kiln)};
const ir = (f, ...args) => f.concrete(...args).graph.toString({ locations: false });
const int = (n: number) => kiln.scalar(n, 'int32');

const plainIf = kiln.compile((x: kiln.Tensor) => {
  if (x.sum().greater(0)) {
    return x.mul(x);
  } else {
    return x.neg().floorDiv(2);
  }
});
const explicitIf = kiln.compile((x: kiln.Tensor) => kiln.cond(x.sum().greater(0), () => x.mul(x), () => x.neg().floorDiv(2)));

const plainWhile = kiln.compile((n: kiln.Tensor) => {
  let i = int(0);
  let acc = kiln.scalar(1);
  while (i.less(n)) {
    i = i.add(1);
    acc = acc.mul(2);
  }
  return acc;
});
const explicitWhile = kiln.compile((n: kiln.Tensor) => kiln.whileLoop((i, acc) => i.less(n), (i, acc) => [i.add(1), acc.mul(2)], [int(0), kiln.scalar(1)])[1]);

const collatz = kiln.compile((start: kiln.Tensor) => {
  let n = start;
  let steps = int(0);
  while (n.greater(1)) {
    if (n.mod(2).equal(0)) n = n.floorDiv(2);
    else n = n.mul(3).add(1);
    steps = steps.add(1);
  }
  return steps;
});

function clip(x: kiln.Tensor): kiln.Tensor {
  'use kiln';
  if (x.greater(1)) return kiln.scalar(1);
  return x;
}
class Model {
  @kiln.compiled
  step(x: kiln.Tensor) {
    let y = x;
    if (x.less(0)) y = x.neg();
    return clip(y);
  }
}

const x = kiln.tensor([-2]);
console.log(JSON.stringify({
  ifSame: ir(plainIf, x) === ir(explicitIf, x),
  ifHasCond: ir(plainIf, x).includes('= cond'),
  whileSame: ir(plainWhile, int(5)) === ir(explicitWhile, int(5)),
  whileHasLoop: ir(plainWhile, int(5)).includes('= while'),
  f: Array.from(plainIf(kiln.scalar(-2)).dataSync()),
  collatz27: Array.from(collatz(int(27)).dataSync()),
  collatzTraces: collatz.traceCount,
  method: [-0.5, 5].map((v) => new Model().step(kiln.scalar(v)).dataSync()[0]),
}));
`;

const expected = { ifSame: true, ifHasCond: true, whileSame: true, whileHasLoop: true, f: [1], collatz27: [111], collatzTraces: 1, method: [0.5, 1] };

async function node(args: string[], cwd: string): Promise<unknown> {
  try {
    const { stdout } = await run(process.execPath, args, { cwd, maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(stdout.trim().split('\n').at(-1)!);
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`node ${args.join(' ')} failed\n${stdout}\n${stderr}`, { cause: error });
  }
}

/** A plain-JavaScript copy of src/ (as dist/ would be), compiled with SWC. */
async function buildSources(out: string): Promise<void> {
  const { transformFile } = createRequire(import.meta.url)('@swc/core') as typeof import('@swc/core');
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
    }
  };
  await walk(join(root, 'src'));
  await Promise.all(files.map(async (f) => {
    const { code } = await transformFile(f, {
      jsc: { parser: { syntax: 'typescript', decorators: true }, target: 'es2022', transform: { decoratorVersion: '2023-11', useDefineForClassFields: true } },
      module: { type: 'es6' }, sourceMaps: false,
    });
    const target = join(out, relative(join(root, 'src'), f)).replace(/\.ts$/, '.js');
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, code);
  }));
}

describe('the Node module hook (kiln/autograph)', () => {
  let work: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-autograph-'));
  });

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('under tsx: tsx --import kiln/autograph app.ts', async () => {
    const dir = join(work, 'tsx-app');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(dir, 'app.ts'), app(pathToFileURL(join(root, 'src/index.ts')).href));
    const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');
    expect(await node([tsx, '--import', pathToFileURL(join(root, 'src/autograph.ts')).href, 'app.ts'], dir)).toEqual(expected);
  }, 120_000);

  it('under plain node: node --import kiln/autograph app.ts (the hook compiles the TypeScript too)', async () => {
    const build = join(work, 'build');
    await buildSources(join(build, 'dist'));
    await symlink(join(root, 'node_modules'), join(build, 'node_modules'), 'junction');
    const dir = join(build, 'app');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    await writeFile(join(dir, 'app.ts'), app('../dist/index.js'));
    expect(await node(['--import', '../dist/autograph.js', 'app.ts'], dir)).toEqual(expected);
  }, 120_000);

  it('without the hook an if over a tensor is JS (a tensor is an object, so always true)', async () => {
    const dir = join(work, 'no-hook');
    await mkdir(dir);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    // Only the if: a JS while over a tensor would never end.
    const source = app(pathToFileURL(join(root, 'src/index.ts')).href);
    await writeFile(join(dir, 'app.ts'), `${source.slice(0, source.indexOf('const plainWhile'))}
console.log(JSON.stringify({ ifHasCond: ir(plainIf, kiln.tensor([-2])).includes('= cond'), f: Array.from(plainIf(kiln.scalar(-2)).dataSync()) }));`);
    expect(await node([join(root, 'node_modules/tsx/dist/cli.mjs'), 'app.ts'], dir)).toEqual({ ifHasCond: false, f: [4] });
  }, 120_000);
});
