// The default wasm backend in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core, as test/cli/inspect-page.test.ts does): src/index.ts bundled for the browser
// by esbuild, served from 127.0.0.1 on two pages. The cross-origin isolated one (COOP + COEP)
// has SharedArrayBuffer, so kiln starts Web Workers and splits big launches; the plain one runs
// on one unshared memory. Both must compute the same known answers.
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const executablePath = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
const required = Boolean(process.env.CI) || process.env.KILN_REQUIRE_BROWSER === '1';
const skip = !available && !required;
if (skip) console.warn(`browser.test: skipped, no Chromium at ${executablePath} (apt-get install -y chromium, or set KILN_CHROMIUM); CI runs it`);

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const outdir = join(root, 'browser-bundle');

/**
 * kiln.js is src/index.ts; kiln-internals.js re-exports `currentBackend`, so the page can read
 * the wasm backend's thread count and launch counters. Code splitting puts what both use in one
 * shared chunk, so the two see the same backend. No `external` list: kiln's Node-only modules
 * (node:os, worker_threads, fs, cli-progress, Dawn) are imported by specifiers a bundler cannot
 * see (src/ir/node-module.ts), so a browser build needs no configuration; the page fails if one
 * is actually loaded.
 */
async function bundle(): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: { kiln: join(root, 'src/index.ts'), 'kiln-internals': 'kiln-test:internals' },
    bundle: true,
    format: 'esm',
    platform: 'browser',
    splitting: true,
    outdir,
    write: false,
    logLevel: 'silent',
    plugins: [{
      name: 'kiln-test-internals',
      setup(b) {
        b.onResolve({ filter: /^kiln-test:internals$/ }, () => ({ path: 'internals', namespace: 'kiln-test' }));
        b.onLoad({ filter: /.*/, namespace: 'kiln-test' }, () => ({
          contents: "export { currentBackend } from './src/trace/index.js';", resolveDir: root, loader: 'ts',
        }));
      },
    }],
  });
  return new Map(result.outputFiles.map((f) => [`/${relative(outdir, f.path)}`, f.text]));
}

/** Matrices with entries in steps of 1/4 and 1/8: every product and partial sum is exact in f32. */
const source = {
  a: (i: number, k: number) => (((i * 3 + k * 7) % 11) - 5) / 4,
  b: (k: number, j: number) => (((k * 5 + j * 2) % 13) - 6) / 8,
};

function matmulReference(n: number): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const a = source.a(i, k);
      for (let j = 0; j < n; j++) out[i * n + j] += a * source.b(k, j);
    }
  }
  return out;
}

/** Runs in the page: every check's raw result, compared in Node, so a wrong value shows which. */
const pageScript = `
import * as kiln from '/kiln.js';
import { currentBackend } from '/kiln-internals.js';
const a = ${source.a.toString()};
const b = ${source.b.toString()};
const matrix = (n, f) => kiln.tensor(Array.from({ length: n * n }, (_, x) => f(Math.floor(x / n), x % n)), [n, n]);
async function run() {
  const out = { backendBeforeReady: kiln.getBackend(), isolated: self.crossOriginIsolated, cores: navigator.hardwareConcurrency };
  await kiln.ready();
  const backend = currentBackend();
  out.backend = kiln.getBackend();
  out.threads = backend.threads;
  out.shared = backend.heap.shared;

  out.matmul64 = Array.from(kiln.matMul(matrix(64, a), matrix(64, b)).dataSync());

  const before = backend.launches.threaded;
  out.matmul512 = Array.from(kiln.matMul(matrix(512, a), matrix(512, b)).dataSync());
  out.threadedLaunches = backend.launches.threaded - before;

  const f = kiln.compile((x, y) => kiln.sum(x.mul(y).add(1)));
  out.compiled = [
    f(kiln.tensor([1, 2, 3, 4]), kiln.tensor([2, 3, 4, 5])).dataSync()[0],
    f(kiln.tensor([0, 1, 0, 1]), kiln.tensor([5, 5, 5, 5])).dataSync()[0],
  ];
  out.compiledTraces = f.traceCount;

  // Linear regression y = 2*x0 - 3*x1 + 1 with Adam: the loss falls step after step.
  const w = kiln.variable(kiln.zeros([2, 1]));
  const bias = kiln.variable(kiln.zeros([1]));
  const optimizer = new kiln.keras.optimizers.Adam({ learningRate: 0.1 });
  const xs = kiln.tensor(Array.from({ length: 32 }, (_, i) => ((i * 7) % 9) / 4 - 1), [16, 2]);
  const ys = kiln.matMul(xs, kiln.tensor([2, -3], [2, 1])).add(1);
  const step = kiln.compile((x, y) => {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.mean(kiln.square(kiln.matMul(x, w).add(bias).sub(y))));
    const grads = tape.gradient(loss, [w, bias]);
    optimizer.applyGradients([[grads[0], w], [grads[1], bias]]);
    return loss;
  });
  out.losses = [];
  for (let i = 0; i < 8; i++) out.losses.push(step(xs, ys).dataSync()[0]);
  out.trainTraces = step.traceCount;
  return out;
}
run().then((r) => { window.kilnResult = r; }, (e) => { window.kilnResult = { error: String(e && e.stack || e) }; });
`;

const html = '<!doctype html><meta charset="utf-8"><title>kiln</title><link rel="icon" href="data:,"><script type="module" src="/page.js"></script>';
const isolation = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

interface PageResult {
  error?: string;
  backendBeforeReady: string; backend: string; isolated: boolean; cores: number; threads: number; shared: boolean;
  matmul64: number[]; matmul512: number[]; threadedLaunches: number;
  compiled: number[]; compiledTraces: number; losses: number[]; trainTraces: number;
}

describe.skipIf(skip)('the wasm backend in headless Chromium', () => {
  let server: Server;
  let base: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!available) throw new Error(`no Chromium at ${executablePath}: CI needs it (.ci/run installs Debian's chromium)`);
    const files = await bundle();
    files.set('/page.js', pageScript);
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/isolated.html' || path === '/plain.html') {
        res.writeHead(200, { 'Content-Type': 'text/html', ...(path === '/isolated.html' ? isolation : {}) });
        res.end(html);
        return;
      }
      const js = files.get(path);
      res.writeHead(js === undefined ? 404 : 200, { 'Content-Type': 'text/javascript' });
      res.end(js ?? 'not found');
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((done) => server ? server.close(done) : done(undefined));
  });

  async function open(page: string): Promise<PageResult> {
    const tab = await browser.newPage();
    const errors: string[] = [];
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
    try {
      await tab.goto(`${base}/${page}`);
      await tab.waitForFunction(() => (window as { kilnResult?: unknown }).kilnResult !== undefined, undefined, { timeout: 40_000 });
      const result = await tab.evaluate(() => (window as unknown as { kilnResult: PageResult }).kilnResult);
      expect(result.error).toBeUndefined();
      expect(errors).toEqual([]);
      return result;
    } finally {
      await tab.close();
    }
  }

  function expectKnownAnswers(r: PageResult): void {
    expect(r.backendBeforeReady).toBe('wasm');
    expect(r.backend).toBe('wasm');
    expect(r.matmul64).toEqual(matmulReference(64));
    expect(r.matmul512).toEqual(matmulReference(512));
    expect(r.compiled).toEqual([44, 14]);
    expect(r.compiledTraces).toBe(1);
    expect(r.trainTraces).toBe(1);
    for (let i = 1; i < r.losses.length; i++) expect(r.losses[i]).toBeLessThan(r.losses[i - 1]!);
    expect(r.losses.at(-1)!).toBeLessThan(r.losses[0]! / 2);
  }

  it('cross-origin isolated: shared memory, a Web Worker per extra core, big launches split', async () => {
    const r = await open('isolated.html');
    expect(r.isolated).toBe(true);
    expect(r.shared).toBe(true);
    expect(r.threads).toBe(Math.max(1, r.cores));
    if (r.cores > 1) expect(r.threadedLaunches).toBeGreaterThan(0);
    expectKnownAnswers(r);
  }, 60_000);

  it('not isolated: one unshared memory, no workers, the same answers', async () => {
    const r = await open('plain.html');
    expect(r.isolated).toBe(false);
    expect(r.shared).toBe(false);
    expect(r.threads).toBe(1);
    expect(r.threadedLaunches).toBe(0);
    expectKnownAnswers(r);
  }, 60_000);
});
