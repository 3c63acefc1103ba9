import type { DumpStage, DumpTrace } from '../trace/dump-model.js';
import { traceTitle } from '../trace/dump-text.js';
import { pictureStages } from './dump-reader.js';
import { buildDot } from './graph-dot.js';

/** One picture: a trace at one stage, as DOT, with a file name for `--out`. */
export interface GraphPicture {
  readonly file: string;
  readonly dot: string;
}

/** The DOT of a trace at a stage: kernel groups as boxes after fusion, source lines as boxes before. */
export function stageDot(trace: DumpTrace, stage: DumpStage): string {
  return buildDot({
    title: `${traceTitle(trace)}: ${stage.name === 'traced' ? 'as traced' : `after ${stage.name}`}`,
    nodes: stage.graph.nodes,
    outputs: stage.graph.outputs,
    ...(stage.groups ? { groups: stage.groups } : {}),
    cluster: stage.groups ? 'fusion' : 'scope',
  });
}

export function graphPictures(traces: readonly DumpTrace[], after: string | undefined, afterChange: boolean): GraphPicture[] {
  return traces.flatMap((trace) => {
    const stages = pictureStages(trace, after, afterChange);
    return stages.map((stage) => ({
      file: `${trace.functionDir}-trace-${trace.trace}${stages.length > 1 || after ? `-${stage.name}` : ''}`,
      dot: stageDot(trace, stage),
    }));
  });
}

/** SVG from DOT with Graphviz compiled to WebAssembly (@viz-js/viz), loaded only when asked for. */
export async function dotToSvg(dots: readonly string[]): Promise<string[]> {
  const { instance } = await import('@viz-js/viz');
  const viz = await instance();
  return dots.map((dot) => viz.renderString(dot, { format: 'svg', engine: 'dot' }));
}
