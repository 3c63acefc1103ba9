// The built `kiln` bin: `tsc -p tsconfig.build.json` (what `npm run build` runs) into a temp
// folder, never the working tree's dist/, then `node dist/cli/main.js inspect` on a plain .mjs
// script that imports kiln from that build.
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { root } from './helpers.js';

const run = promisify(execFile);

describe('the built kiln bin', () => {
  let work: string;
  let buildErrors = '';

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'kiln-dist-'));
    // tsc emits even when it reports errors; the first test fails on them, the others use the output.
    await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(work, 'dist')], { cwd: root })
      .catch((error: { stdout?: string }) => { buildErrors = error.stdout || String(error); });
    // dist/cli reads ../../package.json for --version and resolves @viz-js/viz from node_modules.
    await copyFile(join(root, 'package.json'), join(work, 'package.json'));
    await symlink(join(root, 'node_modules'), join(work, 'node_modules'), 'junction');
  }, 180_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('builds without errors', () => {
    expect(buildErrors).toBe('');
  });

  it('starts with a shebang', async () => {
    expect((await readFile(join(work, 'dist/cli/main.js'), 'utf8')).split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('inspects a .mjs script that imports kiln from dist', async () => {
    await writeFile(join(work, 'app.mjs'), [
      "import * as kiln from './dist/index.js';",
      'const f = kiln.compile(function double(x) { return x.mul(2).add(1); });',
      'f(kiln.tensor([1, 2, 3]));',
      'f(kiln.tensor([[1, 2]]));',
      "console.log('app done');",
    ].join('\n'));
    const { stdout, stderr } = await run(process.execPath, ['dist/cli/main.js', 'inspect', 'app.mjs', '--kernels'], { cwd: work });
    expect(stderr).toContain('app done');
    expect(stdout).toContain('double: traced 2 times');
    expect(stdout).toContain('retraced: vs trace 0, args[0].shape: [3] -> [1,2]');
    expect(stdout).toMatch(/\/\/ ----- kernel double_0_\w+ \(wasm, \w+\)\n/);
    const html = await run(process.execPath, ['dist/cli/main.js', 'inspect', 'app.mjs', '--format', 'html', '-q'], { cwd: work, maxBuffer: 64 * 1024 * 1024 });
    expect(html.stdout).toMatch(/^<!doctype html>[\s\S]*<\/html>\n$/);
  });
});
