// Charts for the examples: a Vega-Lite spec compiled to Vega and rendered to SVG headlessly
// (renderer 'none': no canvas or browser is needed in Node).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

export type { TopLevelSpec };

export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Renders the spec and writes it to `path` (making its folder); returns the path. */
export async function writeChart(path: string, spec: TopLevelSpec): Promise<string> {
  const svg = await vegaLiteToSvg(spec);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
  return path;
}
