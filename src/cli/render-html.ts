import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { DumpTrace } from '../trace/dump-model.js';
import { renderKernelReport, renderPassSummaries, renderPlan, renderRetrace, traceTitle } from '../trace/dump-text.js';
import { buildDot } from './graph-dot.js';
import { inspectPage, type PageData } from './inspect-page.js';

/** Nodes drawn at once before the page collapses source-line scopes (large graphs freeze layouts). */
export const DEFAULT_CAP = 150;

/** @viz-js/viz's browser build (Graphviz in WebAssembly, the module inlined), embedded in the page. */
function vizBrowserScript(): string {
  const main = createRequire(import.meta.url).resolve('@viz-js/viz');
  return readFileSync(join(dirname(main), 'viz-global.js'), 'utf8');
}

/** Text inside a <script> element must not close it. */
function scriptText(js: string): string {
  return js.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

const STYLE = `
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: #222; display: flex; flex-direction: column; height: 100vh; }
header { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; padding: 8px 12px; border-bottom: 1px solid #ddd; background: #fafafa; }
header .stepper { display: flex; gap: 6px; align-items: center; }
#stage-name { font-weight: 600; font-family: ui-monospace, monospace; min-width: 6em; text-align: center; }
#stage-pos, #note, #retrace { color: #666; }
#stage-summary { font-family: ui-monospace, monospace; }
main { flex: 1; display: flex; min-height: 0; }
#graph { flex: 1; overflow: auto; padding: 8px; }
#graph svg { max-width: none; height: auto; }
#graph.fit svg { max-width: 100%; }
#graph g.node, #graph g.cluster { cursor: pointer; }
#graph g.node.changed polygon, #graph g.node.changed path, #graph g.node.changed ellipse { stroke: #e8590c; stroke-width: 3px; }
aside { width: 38%; max-width: 640px; overflow: auto; border-left: 1px solid #ddd; padding: 8px 12px; }
aside h2 { font-size: 13px; margin: 12px 0 4px; }
pre { font: 11px/1.35 ui-monospace, monospace; white-space: pre; overflow-x: auto; margin: 0; background: #f6f6f6; padding: 6px; }
#passes { list-style: none; padding: 0; margin: 0; font-family: ui-monospace, monospace; font-size: 12px; }
#passes li { padding: 2px 6px; cursor: pointer; border-radius: 3px; }
#passes li.unchanged { color: #999; }
#passes li.current { background: #ffe8cc; }
button { font: inherit; }
`;

export function renderHtml(traces: readonly DumpTrace[], options: { cap?: number } = {}): string {
  const data: PageData = {
    cap: options.cap ?? DEFAULT_CAP,
    traces: traces.map((t) => {
      const last = t.stages[t.stages.length - 1]!;
      return {
        id: `${t.functionDir}#${t.trace}`, title: traceTitle(t), retrace: renderRetrace(t.retrace), stages: t.stages,
        passes: renderPassSummaries(t.stages), kernels: renderKernelReport(t.kernels, last.graph), plan: renderPlan(t.plan),
      };
    }),
  };
  const json = JSON.stringify(data).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  // Names that TypeScript runners add to functions (esbuild's keepNames) are no-ops in the page.
  const app = [
    'var __name = function (target) { return target; };',
    `var buildDot = ${buildDot.toString()};`,
    `var inspectPage = ${inspectPage.toString()};`,
    `inspectPage(${json}, buildDot, window.Viz);`,
  ].join('\n');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kiln inspect</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <select id="trace" aria-label="compiled function and trace"></select>
  <span class="stepper">
    <button id="prev" title="previous pass (←)">◀ prev</button>
    <span id="stage-name"></span>
    <button id="next" title="next pass (→)">next ▶</button>
    <span id="stage-pos"></span>
  </span>
  <span id="stage-summary"></span>
  <label>boxes: <select id="cluster"><option value="scope">source file / line</option><option value="fusion">kernel groups</option><option value="none">none</option></select></label>
  <button id="collapse-all">collapse all</button>
  <button id="expand-all">expand all</button>
  <label><input type="checkbox" id="fit" checked> fit width</label>
  <span id="note"></span>
</header>
<main>
  <div id="graph" class="fit"></div>
  <aside>
    <div id="retrace"></div>
    <h2>passes</h2><ul id="passes"></ul>
    <h2>node</h2><pre id="details"></pre>
    <h2>kernels</h2><pre id="kernels"></pre>
    <h2>buffers</h2><pre id="plan"></pre>
  </aside>
</main>
<script>${scriptText(vizBrowserScript())}</script>
<script>${scriptText(app)}</script>
</body>
</html>
`;
}
