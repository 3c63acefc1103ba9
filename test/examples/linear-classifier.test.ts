import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main, STRATEGIES, strategyName } from '../../examples/linear-classifier.js';
import { expectSvg } from './svg.js';

describe('examples/linear-classifier.ts (chapter 3-6)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'kiln-linear-classifier-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('trains eight strategies and the price/m² variant with fit and early stopping, and draws each one\'s decision regions', async () => {
    const r = await main({ quick: true, verbose: false, outDir });
    expect(r.results.map((x) => x.name)).toEqual(STRATEGIES.map(strategyName));
    expect(new Set(r.results.map((x) => x.name)).size).toBe(9);
    expect(r.results.filter((x) => !x.strategy.ratio)).toHaveLength(8);
    for (const result of r.results) {
      expect(existsSync(result.chart), result.chart).toBe(true);
      const svg = expectSvg(result.chart);
      expect(svg).toContain(result.name);
      expect(result.epochs).toBeGreaterThan(0);
      expect(result.epochs).toBeLessThanOrEqual(30);
    }
    expect(r.best.testAccuracy).toBeGreaterThanOrEqual(0.9);
  }, 240_000);
});
