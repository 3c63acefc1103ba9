import { buildProgram, type Program } from '../codegen/index.js';
import type { Graph } from '../ir/index.js';
import { deadCodeElimination, runPasses, singletonPartition, type Pass, type PassRecord } from '../passes/index.js';
import { Executable, type Backend } from '../runtime/index.js';

export interface PipelineOptions {
  /** Passes by name set to false are skipped (`{ dce: false }`). */
  readonly passes?: Readonly<Record<string, boolean>>;
}

export interface CompiledGraph {
  readonly traced: Graph;
  readonly optimized: Graph;
  readonly passes: readonly PassRecord[];
  readonly program: Program;
  readonly executable: Executable;
}

/** The optimization pipeline, in order. Later issues add CSE, folding, simplification, fusion. */
export const PIPELINE: readonly Pass[] = [deadCodeElimination];

/** trace → passes → partition → Kernel IR → Executable. */
export function compileGraph(graph: Graph, backend: Backend, options: PipelineOptions = {}): CompiledGraph {
  const { graph: optimized, records } = runPasses(graph, PIPELINE, { enabled: options.passes ?? {} });
  const program = buildProgram(optimized, singletonPartition(optimized));
  return { traced: graph, optimized, passes: records, program, executable: new Executable(program, backend) };
}
