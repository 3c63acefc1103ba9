import fc from 'fast-check';
import { it } from 'vitest';
import { CpuBackend } from '../../src/runtime/index.js';
import { compileGraph } from '../../src/trace/pipeline.js';
import { build, recipeArb } from './random-graphs.test.js';
it('stats', () => {
  const totals = new Map<string, number>();
  const graphsWith = new Map<string, number>();
  const backend = new CpuBackend();
  for (const r of fc.sample(recipeArb(5, 40), { numRuns: 300, seed: 7 })) {
    const { graph } = build(r);
    const c = compileGraph(graph, backend);
    for (const rec of c.passes) for (const [k, v] of Object.entries(rec.stats)) {
      const key = `${rec.name}.${k}`;
      totals.set(key, (totals.get(key) ?? 0) + v);
      if (v > 0) graphsWith.set(key, (graphsWith.get(key) ?? 0) + 1);
    }
  }
  console.log([...totals].map(([k, v]) => `${k}: ${v} (in ${graphsWith.get(k) ?? 0} graphs)`).join('\n'));
});
