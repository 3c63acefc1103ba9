import { describe, expect, it } from 'vitest';
import { main } from '../../examples/compiled-function.js';

describe('examples/compiled-function.ts (the README\'s first example)', () => {
  it('runs the compiled function once traced and shows its IR before and after the passes', async () => {
    const r = await main({ verbose: false });
    expect(r.result).toHaveLength(2);
    for (const row of r.result) expect(row[0]! + row[1]!).toBeCloseTo(1, 6);
    expect(r.traced).toContain('matMul');
    expect(r.traced).toContain('readVariable @w');
    expect(r.optimized).toContain('graph predict(');
    expect(r.kernels).toBeGreaterThan(0);
    expect(r.traceCount).toBe(1);
  });
});
