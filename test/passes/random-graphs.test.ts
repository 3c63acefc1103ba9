import fc from 'fast-check';
import { describe, it } from 'vitest';
import { evaluateGraph, Graph, printGraph, type DType, type HostTensor } from '../../src/ir/index.js';
import { CpuBackend, Storage } from '../../src/runtime/index.js';
import { compileGraph, pipeline, type PipelineOptions } from '../../src/trace/pipeline.js';
import { build, recipeArb, type Built, type Recipe } from './random-graph-recipes.js';

/**
 * Random graphs give the same results with every pass and fusion on, with them all off, and in
 * the reference evaluator. The arbitrary generates a recipe (see random-graph-recipes.ts) that a
 * builder turns into a graph that is valid by construction, so fast-check can shrink the recipe
 * freely; a failure reports the shrunk graph as IR text. KILN_FC_SEED (and KILN_FC_PATH) replay a
 * run; the seed is printed on failure. The verifier checks every pass's output (KILN_VERIFY=1).
 */

// ---------------------------------------------------------------------------------------------
// Running and comparing

const backend = new CpuBackend();
const noVariables = (): never => { throw new Error('random graphs have no variables'); };

/**
 * Compiles the graph and runs it twice on the same inputs: the second run reuses the arena and
 * constants the first one left behind, so a buffer clobbered across runs shows up there.
 */
function runCompiled(graph: Graph, params: readonly HostTensor[], options: PipelineOptions): { runs: ArrayLike<number>[][]; optimized: Graph } {
  const compiled = compileGraph(graph, backend, options);
  const inputs = params.map((p) => new Storage(backend, backend.upload(p.type.dtype, p.data)));
  const runs = [0, 1].map(() => {
    const outs = compiled.executable.run(inputs, noVariables);
    const outputs = outs.map((s) => backend.readSync(s.buffer).slice());
    for (const s of outs) s.release();
    return outputs;
  });
  for (const s of inputs) s.release();
  compiled.executable.dispose();
  return { runs, optimized: compiled.optimized };
}

const TOLERANCE = 1e-4;

/** The first element of `actual` that differs from `expected`, described; null when all match. */
function mismatch(actual: ArrayLike<number>, expected: ArrayLike<number>, dtype: DType): string | null {
  if (actual.length !== expected.length) return `${actual.length} elements, expected ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const ok = dtype !== 'float32' ? a === e
      : Number.isNaN(e) || Number.isNaN(a) ? Number.isNaN(e) && Number.isNaN(a)
        : !Number.isFinite(e) || !Number.isFinite(a) ? a === e
          : Math.abs(a - e) <= TOLERANCE * (1 + Math.abs(e));
    if (!ok) return `at flat index ${i}: got ${a}, expected ${e}\n  got      [${Array.from(actual).join(', ')}]\n  expected [${Array.from(expected).join(', ')}]`;
  }
  return null;
}

/** Every pass of the pipeline off, and fusion: one kernel per op, as traced. */
const unoptimized = (): PipelineOptions => ({ passes: Object.fromEntries(pipeline().map((p) => [p.name, false])), fuse: false });

function check(recipe: Recipe): void {
  checkGraph(build(recipe));
}

function checkGraph({ graph, params }: Built): void {
  let stage = 'reference evaluator';
  try {
    const expected = evaluateGraph(graph, params).map((t) => t.data);
    const runs: [string, PipelineOptions][] = [['optimized (all passes, fusion)', {}], ['unoptimized (no passes, no fusion)', unoptimized()]];
    for (const [name, options] of runs) {
      stage = name;
      const { runs: results, optimized } = runCompiled(graph, params, options);
      results.forEach((outputs, run) => graph.outputs.forEach((v, i) => {
        const bad = mismatch(outputs[i]!, expected[i]!, v.type.dtype);
        if (bad) {
          const which = run === 0 ? '' : ' on its second run';
          throw new Error(`${name}: output ${i} (%${v.id})${which} differs from the reference evaluator ${bad}\n\ngraph:\n${printGraph(graph)}\n\nafter the passes:\n${printGraph(optimized)}`);
        }
      }));
    }
  } catch (e) {
    if (e instanceof Error && e.message.includes('\ngraph:\n')) throw e;
    const message = e instanceof Error ? (e.stack ?? e.message) : String(e);
    throw new Error(`${stage} threw: ${message}\n\ngraph:\n${printGraph(graph)}`);
  }
}

// ---------------------------------------------------------------------------------------------

const seed = process.env.KILN_FC_SEED ? Number(process.env.KILN_FC_SEED) : Math.floor(Math.random() * 2 ** 31);
const path = process.env.KILN_FC_PATH;
/** KILN_FC_RUNS scales the number of graphs (a longer soak: KILN_FC_RUNS=20). */
const scale = Number(process.env.KILN_FC_RUNS ?? 1);

function assertRandomGraphs(arb: fc.Arbitrary<Recipe>, numRuns: number, offset: number): void {
  const s = seed + offset;
  try {
    // includeErrorInReport: the property's message (the shrunk graph's IR) goes into the report itself.
    fc.assert(fc.property(arb, check), { seed: s, numRuns: Math.round(numRuns * scale), includeErrorInReport: true, ...(path ? { path } : {}) });
  } catch (e) {
    // fast-check prints its own seed and path too; this names the variable that replays the run.
    throw new Error(`random graphs failed (replay with KILN_FC_SEED=${seed}${path ? ` KILN_FC_PATH=${path}` : ''})\n${e instanceof Error ? e.message : String(e)}`);
  }
}

describe('random graphs: optimized, unoptimized and the reference evaluator agree', () => {
  // Shrunk failures found by this test, kept as fixed cases.
  it('an empty int32 max read by a fused epilogue is 0, as stored', () => {
    const graph = new Graph('random');
    const x = graph.parameter({ shape: [0], dtype: 'int32' });
    const max = graph.add('max', [x], { axes: [0] });
    const y = graph.add('tanh', [graph.add('cast', [max], { dtype: 'float32' })]);
    graph.outputs = [graph.add('matMul', [graph.add('reshape', [y], { shape: [1, 1] }), graph.add('reshape', [y], { shape: [1, 1] })])];
    checkGraph({ graph, params: [{ type: x.type, data: new Int32Array(0) }] });
  });

  it('small graphs (5–15 steps)', () => {
    assertRandomGraphs(recipeArb(5, 15), 350, 0);
  });

  it('larger graphs (15–40 steps)', () => {
    assertRandomGraphs(recipeArb(15, 40), 300, 1);
  });
});
