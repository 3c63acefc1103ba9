import { verifyGraph, type Graph } from '../ir/index.js';
import { mapSubgraphs, type Pass } from './pass.js';
import type { Partition } from './partition.js';

export interface PassRecord {
  readonly name: string;
  readonly graph: Graph;
  readonly partition?: readonly Partition[];
  readonly stats: Readonly<Record<string, number>>;
  readonly ms: number;
}

export interface PassManagerOptions {
  /** Passes by name set to false are skipped. */
  readonly enabled?: Readonly<Record<string, boolean>>;
  /** Run the verifier after every pass (KILN_VERIFY=1 turns it on everywhere). */
  readonly verify?: boolean;
}

/** Runs passes in order, recording the graph and counters after each. */
export function runPasses(graph: Graph, passes: readonly Pass[], options: PassManagerOptions = {}): { graph: Graph; records: PassRecord[] } {
  const verify = options.verify ?? (typeof process !== 'undefined' && process.env?.KILN_VERIFY === '1');
  const records: PassRecord[] = [];
  if (verify) verifyGraph(graph);
  for (const pass of passes) {
    if (options.enabled?.[pass.name] === false) continue;
    const t0 = performance.now();
    const result = runOnTree(pass, graph);
    graph = result.graph;
    if (verify) verifyGraph(graph);
    records.push({ name: pass.name, graph, stats: result.stats, ms: performance.now() - t0, ...(result.partition ? { partition: result.partition } : {}) });
  }
  return { graph, records };
}

/** Runs a pass on a graph after running it on every subgraph inside (passes see into control flow). */
function runOnTree(pass: Pass, graph: Graph): ReturnType<Pass['run']> {
  return pass.run(mapSubgraphs(graph, (g) => runOnTree(pass, g).graph));
}
