import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../examples/mnist.js';
import { expectSvg } from './svg.js';

describe('examples/mnist.ts (the demo)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'kiln-mnist-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('learns the digits with fit and writes the curves, the misclassified digits and the train step\'s report', async () => {
    const dumpBefore = process.env.KILN_DUMP;
    const r = await main({ quick: true, verbose: false, outDir });
    expect(r.testAccuracy).toBeGreaterThan(0.8);
    expect(r.traceCount).toBe(1);
    expect(r.history.loss).toHaveLength(2);
    expect(r.history.val_accuracy).toHaveLength(2);
    expect(r.history.loss![1]!).toBeLessThan(r.history.loss![0]!);
    expect(r.misclassified).toBe(Math.round((1 - r.testAccuracy) * 2000));

    expect(expectSvg(r.files.curves)).toContain('val');
    expect(expectSvg(r.files.misclassified)).toContain('read as');
    const html = readFileSync(r.files.report, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('"trainStep"');
    expect(existsSync(join(r.files.dump, 'index.json'))).toBe(true);
    // The dump was switched on for fit only.
    expect(process.env.KILN_DUMP).toBe(dumpBefore);
  }, 180_000);
});
