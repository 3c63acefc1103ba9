import { buildProgram, type Program } from '../codegen/index.js';
import type { Graph } from '../ir/index.js';
import {
  algebraicSimplification, commonSubexpressionElimination, constantFolding, CPU_LIMITS, deadCodeElimination, fusionPass,
  partitionForFusion, runPasses, singletonPartition, type FusionLimits, type Pass, type PassRecord,
} from '../passes/index.js';
import { Executable, type Backend } from '../runtime/index.js';

export interface PipelineOptions {
  /** Passes by name set to false are skipped (`{ cse: false }`); `dce: false` also skips `cleanup`. */
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

/** DCE again, under its own name: drops what CSE, folding and simplification orphaned. */
const cleanup: Pass = { name: 'cleanup', run: (graph) => deadCodeElimination.run(graph) };

/** The optimization pipeline, in order; fusion partitions the final graph into kernels. */
export function pipeline(limits: FusionLimits = CPU_LIMITS): Pass[] {
  return [deadCodeElimination, commonSubexpressionElimination, constantFolding, algebraicSimplification, cleanup, fusionPass(limits)];
}

/** trace → passes → partition → Kernel IR → Executable. */
export function compileGraph(graph: Graph, backend: Backend, options: PipelineOptions = {}): CompiledGraph {
  const passes = options.passes ?? {};
  const enabled = { ...(passes.dce === false ? { cleanup: false } : {}), ...passes, ...(options.fuse === false ? { fusion: false } : {}) };
  const { graph: optimized, records } = runPasses(graph, pipeline(backend.limits), { enabled });
  const fused = enabled.fusion !== false;
  const partitionOf = (g: Graph) => (fused ? partitionForFusion(g, backend.limits ?? CPU_LIMITS) : singletonPartition(g));
  const partition = records.find((r) => r.partition)?.partition ?? singletonPartition(optimized);
  const program = buildProgram(optimized, partition, partitionOf);
  return { traced: graph, optimized, passes: records, program, executable: new Executable(program, backend) };
}
