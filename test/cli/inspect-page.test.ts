// The `--format html` page in a real headless Chromium (Debian's `chromium`, driven by
// playwright-core): it loads without console errors, draws the train step's graph, and the
// pass stepper moves to the next pass, highlighting what that pass changed.
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadDump, selectTraces } from '../../src/cli/dump-reader.js';
import { renderHtml } from '../../src/cli/render-html.js';
import { dumpOf, fixture } from './helpers.js';

const executablePath = process.env.KILN_CHROMIUM ?? '/usr/bin/chromium';
const available = existsSync(executablePath);
const required = Boolean(process.env.CI) || process.env.KILN_REQUIRE_BROWSER === '1';
const skip = !available && !required;
if (skip) console.warn(`inspect-page.test: skipped, no Chromium at ${executablePath} (apt-get install -y chromium, or set KILN_CHROMIUM); CI runs it`);

describe.skipIf(skip)('the kiln inspect page in headless Chromium', () => {
  let dir: string;
  let page: string;
  let browser: Browser;

  beforeAll(async () => {
    if (!available) throw new Error(`no Chromium at ${executablePath}: CI needs it (.ci/run installs Debian's chromium)`);
    dir = await dumpOf(fixture);
    const dump = loadDump(dir);
    page = join(dir, 'inspect.html');
    await writeFile(page, renderHtml(selectTraces(dump, { fn: 'trainStep' })));
    browser = await chromium.launch({ executablePath });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('shows the train step graph and steps through the passes', async () => {
    const tab = await browser.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    tab.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    tab.on('pageerror', (e) => errors.push(String(e)));
    tab.on('request', (r) => { if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) requests.push(r.url()); });
    await tab.goto(pathToFileURL(page).href);
    await tab.waitForSelector('body[data-ready=true]', { timeout: 30_000 });

    expect(await tab.textContent('#trace option')).toBe('trace 0 of trainStep(f32[8,4], f32[8,3]) on wasm');
    expect(await tab.textContent('#stage-name')).toBe('traced');
    const nodes = await tab.locator('#graph svg g.node').count();
    expect(nodes).toBeGreaterThan(20);
    const labels = await tab.locator('#graph svg g.node text').allTextContents();
    expect(labels.some((t) => /matMul/.test(t))).toBe(true);
    expect(labels).toContain('f32[4,3]');
    // Source-line scopes are clusters, one per line of the fixture that made nodes.
    expect(await tab.locator('#graph svg g.cluster').count()).toBeGreaterThan(2);

    await tab.click('#next');
    expect(await tab.textContent('#stage-name')).toBe('dce');
    expect(await tab.textContent('#stage-summary')).toMatch(/^dce: -\d+ nodes/);
    const highlighted = await tab.locator('#graph svg g.node.changed, #graph svg g.node.removed').count();
    expect(highlighted).toBeGreaterThan(0);

    await tab.keyboard.press('ArrowRight');
    expect(await tab.textContent('#stage-name')).toBe('cse');
    expect(await tab.locator('#graph svg g.node.changed, #graph svg g.node.removed').count()).toBeGreaterThan(0);

    // A collapsed scope becomes one box, and opens again.
    const before = await tab.locator('#graph svg g.node').count();
    await tab.click('#collapse-all');
    const collapsed = await tab.locator('#graph svg g.node[id^="scope:"]').count();
    expect(collapsed).toBeGreaterThan(0);
    expect(await tab.locator('#graph svg g.node').count()).toBeLessThan(before);
    await tab.click('#expand-all');
    expect(await tab.locator('#graph svg g.node[id^="scope:"]').count()).toBe(0);

    expect(errors).toEqual([]);
    expect(requests).toEqual([]);
  });

  it('collapses source-line scopes on its own when a graph is over the cap', async () => {
    const small = join(dir, 'capped.html');
    await writeFile(small, renderHtml(selectTraces(loadDump(dir), { fn: 'trainStep' }), { cap: 10 }));
    const tab = await browser.newPage();
    await tab.goto(pathToFileURL(small).href);
    await tab.waitForSelector('body[data-ready=true]', { timeout: 30_000 });
    expect(await tab.locator('#graph svg g.node[id^="scope:"]').count()).toBeGreaterThan(0);
    expect(await tab.textContent('#note')).toMatch(/scopes? collapsed/);
  });
});
