import type { DumpGroup, DumpNode, DumpStage } from '../trace/dump-model.js';
import type { DotView } from './graph-dot.js';

/** One trace as the page shows it. */
export interface PageTrace {
  readonly id: string;
  readonly title: string;
  readonly retrace: string;
  readonly stages: readonly DumpStage[];
  readonly passes: string;
  readonly kernels: string;
  readonly plan: string;
}

export interface PageData {
  readonly traces: readonly PageTrace[];
  /** Nodes drawn before scopes collapse on their own. */
  readonly cap: number;
}

/** The part of @viz-js/viz's browser global the page uses. */
export interface VizGlobal {
  instance(): Promise<{ renderSVGElement(dot: string): SVGSVGElement }>;
}

/**
 * The page's script, run in the browser. Self-contained (only its parameters and DOM
 * globals): `render-html.ts` embeds its source beside `buildDot`'s and calls it with the data.
 */
export function inspectPage(data: PageData, buildDot: (view: DotView) => string, Viz: VizGlobal): void {
  const $ = (id: string) => document.getElementById(id)!;
  const state = { trace: 0, stage: 0, cluster: 'scope' as 'scope' | 'fusion' | 'none', collapsed: new Set<string>(), touched: false };
  let viz: { renderSVGElement(dot: string): SVGSVGElement } | null = null;

  const fileOf = (loc: string | undefined) => (loc ? (loc.split('/').pop() ?? loc).replace(/:\d+:\d+$/, '') : '(no source line)');
  const lineOf = (loc: string | undefined) => {
    const m = loc ? /:(\d+):\d+$/.exec(loc) : null;
    return m ? `${fileOf(loc)}:${m[1]}` : fileOf(loc);
  };
  const text = (el: HTMLElement, s: string) => { el.textContent = s; };

  /** Collapses the largest source lines, then files, until the drawn nodes fit under the cap. */
  function autoCollapse(nodes: readonly DumpNode[]): void {
    state.collapsed.clear();
    if (nodes.length <= data.cap) return;
    const count = (key: (n: DumpNode) => string) => {
      const m = new Map<string, number>();
      for (const n of nodes) m.set(key(n), (m.get(key(n)) ?? 0) + 1);
      return [...m.entries()].sort((a, b) => b[1] - a[1]);
    };
    let drawn = nodes.length;
    for (const [line, n] of count((x) => lineOf(x.location))) {
      if (drawn <= data.cap) break;
      if (n < 2) continue;
      state.collapsed.add(line);
      drawn -= n - 1;
    }
    for (const [file, n] of count((x) => fileOf(x.location))) {
      if (drawn <= data.cap) break;
      state.collapsed.add(file);
      drawn -= n - 1;
    }
  }

  function finalGroups(): readonly DumpGroup[] {
    const stages = data.traces[state.trace]!.stages;
    return [...stages].reverse().find((s) => s.groups)?.groups ?? [];
  }

  function draw(): void {
    const trace = data.traces[state.trace]!;
    const stage = trace.stages[state.stage]!;
    const previous = state.stage > 0 ? trace.stages[state.stage - 1]! : null;
    if (!state.touched) autoCollapse(stage.graph.nodes);
    const ids = new Set(stage.graph.nodes.map((n) => n.id));
    const removedIds = new Set(stage.diff.removed);
    const view: DotView = {
      title: `${trace.title}: ${stage.name === 'traced' ? 'as traced' : `after ${stage.name}`}`,
      nodes: stage.graph.nodes,
      outputs: stage.graph.outputs,
      // Colored by the kernel each node ends up in, at every stage (node ids survive the passes).
      groups: (stage.groups ?? finalGroups()).map((g) => ({ ...g, members: g.members.filter((m) => ids.has(m)) })),
      cluster: state.cluster === 'fusion' && !stage.groups ? 'scope' : state.cluster,
      highlight: previous ? [...stage.diff.added, ...stage.diff.changed] : [],
      removed: previous ? previous.graph.nodes.filter((n) => removedIds.has(n.id)) : [],
      collapsed: [...state.collapsed],
      cap: data.cap * 4,
    };
    text($('stage-name'), stage.name);
    text($('stage-pos'), `${state.stage + 1} / ${trace.stages.length}`);
    text($('stage-summary'), stage.summary + (stage.changed || stage.name === 'traced' ? '' : ' (unchanged)'));
    text($('retrace'), trace.retrace);
    ($('prev') as HTMLButtonElement).disabled = state.stage === 0;
    ($('next') as HTMLButtonElement).disabled = state.stage === trace.stages.length - 1;
    const note = state.collapsed.size ? `${state.collapsed.size} scope${state.collapsed.size === 1 ? '' : 's'} collapsed (click a grey box to open it, a scope's frame to close it)` : '';
    text($('note'), note);
    document.querySelectorAll('#passes li').forEach((li, i) => li.classList.toggle('current', i === state.stage));
    if (!viz) return;
    const svg = viz.renderSVGElement(buildDot(view));
    const host = $('graph');
    host.replaceChildren(svg);
    svg.querySelectorAll('g.node').forEach((g) => g.addEventListener('click', () => {
      const id = g.id;
      if (id.startsWith('scope:')) { state.touched = true; state.collapsed.delete(id.slice(6)); draw(); return; }
      const node = [...stage.graph.nodes, ...(view.removed ?? [])].find((n) => `n${n.id}` === id);
      if (node) text($('details'), `[${node.uses}] ${node.line}${node.location ? `\n# ${node.location}` : ''}${removedIds.has(node.id) ? '\n(removed by this pass)' : ''}`);
    }));
    svg.querySelectorAll('g.cluster').forEach((g) => g.addEventListener('click', (event) => {
      if (!g.id.startsWith('cluster:')) return;
      event.stopPropagation();
      state.touched = true;
      state.collapsed.add(g.id.slice(8));
      draw();
    }));
  }

  function step(by: number): void {
    const n = data.traces[state.trace]!.stages.length;
    const next = Math.min(n - 1, Math.max(0, state.stage + by));
    if (next !== state.stage) { state.stage = next; draw(); }
  }

  function selectTrace(i: number): void {
    state.trace = i;
    state.stage = 0;
    state.touched = false;
    const trace = data.traces[i]!;
    const list = $('passes');
    list.replaceChildren(...trace.stages.map((s, j) => {
      const li = document.createElement('li');
      li.textContent = s.summary;
      if (!s.changed && s.name !== 'traced') li.classList.add('unchanged');
      li.addEventListener('click', () => { state.stage = j; draw(); });
      return li;
    }));
    text($('kernels'), trace.kernels);
    text($('plan'), trace.plan);
    text($('details'), 'click a node for its IR line');
    draw();
  }

  const select = $('trace') as HTMLSelectElement;
  data.traces.forEach((t, i) => {
    const o = document.createElement('option');
    o.value = String(i);
    o.textContent = t.title;
    select.append(o);
  });
  select.addEventListener('change', () => selectTrace(Number(select.value)));
  $('prev').addEventListener('click', () => step(-1));
  $('next').addEventListener('click', () => step(1));
  ($('cluster') as HTMLSelectElement).addEventListener('change', (e) => {
    state.cluster = (e.target as HTMLSelectElement).value as 'scope' | 'fusion' | 'none';
    draw();
  });
  $('expand-all').addEventListener('click', () => { state.touched = true; state.collapsed.clear(); draw(); });
  $('collapse-all').addEventListener('click', () => {
    state.touched = true;
    for (const n of data.traces[state.trace]!.stages[state.stage]!.graph.nodes) state.collapsed.add(lineOf(n.location));
    draw();
  });
  $('fit').addEventListener('change', (e) => $('graph').classList.toggle('fit', (e.target as HTMLInputElement).checked));
  document.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowRight' || e.key === 'j') step(1);
    if (e.key === 'ArrowLeft' || e.key === 'k') step(-1);
  });
  if (data.traces.length === 0) { text($('stage-name'), 'no compiled functions'); return; }
  selectTrace(0);
  Viz.instance().then((v) => {
    viz = v;
    draw();
    document.body.dataset.ready = 'true';
  }, (error: unknown) => { text($('note'), `could not start Graphviz: ${String(error)}`); });
}
