import { buildProgram, type Program } from '../codegen/index.js';
import type { Graph } from '../ir/index.js';
import { CPU_LIMITS, deadCodeElimination, fusionPass, runPasses, singletonPartition, type Pass, type PassRecord } from '../passes/index.js';
import { Executable, type Backend } from '../runtime/index.js';

export interface PipelineOptions {
  /** Passes by name set to false are skipped (`{ dce: false }`). */
  readonly passes?: Readonly<Record<string, boolean>>;
  /** false turns fusion off (one kernel per op). */
  readonly fuse?: boolean;
}

export interface CompiledGraph {
  readonly traced: Graph;
  readonly optimized: Graph;
  readonly passes: readonly PassRecord[];
  readonly program: Program;
  readonly executable: Executable;
}

/** The optimization pipeline, in order; fusion partitions the final graph into kernels. */
export function pipeline(): Pass[] {
  return [deadCodeElimination, fusionPass(CPU_LIMITS)];
}

/** trace → passes → partition → Kernel IR → Executable. */
export function compileGraph(graph: Graph, backend: Backend, options: PipelineOptions = {}): CompiledGraph {
  const enabled = { ...(options.passes ?? {}), ...(options.fuse === false ? { fusion: false } : {}) };
  const { graph: optimized, records } = runPasses(graph, pipeline(), { enabled });
  const partition = records.find((r) => r.partition)?.partition ?? singletonPartition(optimized);
  const program = buildProgram(optimized, partition);
  return { traced: graph, optimized, passes: records, program, executable: new Executable(program, backend) };
}
