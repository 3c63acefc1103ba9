import type { DumpGroup, DumpNode } from '../trace/dump-model.js';

/** What one graph picture shows: a stage's nodes, its kernel groups, and what changed. */
export interface DotView {
  readonly title: string;
  readonly nodes: readonly DumpNode[];
  readonly outputs: readonly number[];
  /** Kernel groups: nodes are colored by group (and clustered by it when `cluster` is 'fusion'). */
  readonly groups?: readonly DumpGroup[];
  /** 'fusion': a box per kernel group; 'scope': a box per source file and line; 'none'. */
  readonly cluster: 'fusion' | 'scope' | 'none';
  /** Node ids drawn highlighted (new or rewritten by the pass). */
  readonly highlight?: readonly number[];
  /** Nodes of the previous stage that the pass removed, drawn as dashed ghosts. */
  readonly removed?: readonly DumpNode[];
  /** Scope keys (`file` or `file:line`) drawn as one box each. */
  readonly collapsed?: readonly string[];
  /** The most nodes drawn; over it, the rest are left out (with a note). */
  readonly cap?: number;
}

/**
 * A DOT digraph of one view. Self-contained on purpose (no imports, no outer names): the HTML
 * page embeds this very function's source and calls it in the browser as scopes collapse and
 * the pass stepper moves, so the CLI's `--format dot` and the page draw the same picture.
 */
export function buildDot(view: DotView): string {
  const palette = ['#dbe8fb', '#fde3c8', '#d9f2d9', '#f6d5e5', '#e6dcf7', '#fff2b3', '#d3f0f0', '#f3dcd0', '#e0e7c9', '#d8dcf0', '#f9d9d9', '#e2f0cb'];
  const border = ['#4a76c9', '#d9822b', '#3d9a4a', '#c2548a', '#7b5cc4', '#b8960c', '#2a9595', '#a8603c', '#6f8a2c', '#5560a8', '#c24b4b', '#6f9a3c'];
  const q = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
  const fileOf = (loc: string | undefined) => (loc ? (loc.split('/').pop() ?? loc).replace(/:\d+:\d+$/, '') : '(no source line)');
  const lineOf = (loc: string | undefined) => {
    const m = loc ? /:(\d+):\d+$/.exec(loc) : null;
    return m ? `${fileOf(loc)}:${m[1]}` : fileOf(loc);
  };
  const collapsed = new Set(view.collapsed ?? []);
  const highlight = new Set(view.highlight ?? []);
  const cap = view.cap ?? Infinity;
  const nodes = view.nodes.slice(0, cap);
  const shown = new Set(nodes.map((n) => n.id));
  // Values by id: a node's own (its id), or each output of a node with several (control flow).
  const typeOf = new Map<number, string>();
  const producer = new Map<number, number>();
  for (const n of view.nodes) {
    (n.outputs ?? [n.id]).forEach((v, i) => { typeOf.set(v, n.outputTypes?.[i] ?? n.type); producer.set(v, n.id); });
  }
  const groupOf = new Map<number, { readonly index: number; readonly kind: string; readonly kernel?: string }>();
  for (const g of view.groups ?? []) for (const m of g.members) if (!groupOf.has(m)) groupOf.set(m, g);
  const outputs = new Set(view.outputs);

  // A node stands for itself, or for the collapsed scope it is in.
  const scopeKeys = (n: DumpNode): [string, string] => [fileOf(n.location), lineOf(n.location)];
  const standIn = (n: DumpNode): string => {
    const [file, line] = scopeKeys(n);
    if (view.cluster === 'scope' && collapsed.has(file)) return `scope:${file}`;
    if (view.cluster === 'scope' && collapsed.has(line)) return `scope:${line}`;
    return `n${n.id}`;
  };
  const byId = new Map(view.nodes.map((n) => [n.id, n]));
  const idOf = (value: number): string | undefined => {
    const id = producer.get(value) ?? value;
    return shown.has(id) ? standIn(byId.get(id)!) : undefined;
  };

  const nodeLine = (n: DumpNode, extraClass: string): string => {
    const g = groupOf.get(n.id);
    const shape = n.op === 'parameter' ? 'ellipse' : n.op === 'constant' ? 'note' : n.op === 'readVariable' || n.op === 'assignVariable' ? 'cylinder' : 'box';
    const label = n.op === 'parameter' ? `%${n.id} parameter\n${n.type}` : `%${n.id} ${n.op}\n${n.type}`;
    const classes = [`op-${n.op}`, g ? `group-${g.index}` : '', highlight.has(n.id) ? 'changed' : '', outputs.has(n.id) ? 'output' : '', extraClass].filter(Boolean).join(' ');
    const attrs = [
      `id=${q(`n${n.id}`)}`, `label=${q(label)}`, `shape=${shape}`, `class=${q(classes)}`,
      `tooltip=${q(`[${n.uses}] ${n.line}${n.location ? `  # ${n.location.split('/').slice(-2).join('/')}` : ''}`)}`,
      `fillcolor=${q(g ? palette[g.index % palette.length]! : '#ffffff')}`,
    ];
    if (highlight.has(n.id)) attrs.push('color="#e8590c"', 'penwidth=2.5');
    else if (g) attrs.push(`color=${q(border[g.index % border.length]!)}`);
    if (outputs.has(n.id)) attrs.push('peripheries=2');
    return `n${n.id} [${attrs.join(', ')}];`;
  };

  const lines: string[] = [
    'digraph kiln {',
    `  graph [rankdir=TB, fontname="Helvetica", fontsize=11, labelloc=t, label=${q(view.title)}, nodesep=0.25, ranksep=0.35];`,
    '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10, height=0.3, margin="0.08,0.03"];',
    '  edge [fontname="Helvetica", fontsize=8, color="#777777", arrowsize=0.6];',
  ];

  // Nodes, inside their cluster.
  const emitted = new Set<string>();
  if (view.cluster === 'fusion') {
    const inCluster = new Map<number, DumpNode[]>();
    const loose: DumpNode[] = [];
    for (const n of nodes) {
      const g = groupOf.get(n.id);
      if (g) inCluster.set(g.index, [...(inCluster.get(g.index) ?? []), n]);
      else loose.push(n);
    }
    for (const g of view.groups ?? []) {
      const members = inCluster.get(g.index);
      if (!members) continue;
      lines.push(`  subgraph cluster_k${g.index} {`,
        `    id=${q(`k${g.index}`)}; label=${q(`k${g.index} ${g.kind}${g.kernel ? `: ${g.kernel}` : ''}`)}; style="rounded,dashed"; color=${q(border[g.index % border.length]!)}; fontsize=9;`);
      for (const n of members) lines.push(`    ${nodeLine(n, '')}`);
      lines.push('  }');
    }
    for (const n of loose) lines.push(`  ${nodeLine(n, '')}`);
  } else if (view.cluster === 'scope') {
    const files = new Map<string, Map<string, DumpNode[]>>();
    for (const n of nodes) {
      const [file, line] = scopeKeys(n);
      const perLine = files.get(file) ?? new Map<string, DumpNode[]>();
      perLine.set(line, [...(perLine.get(line) ?? []), n]);
      files.set(file, perLine);
    }
    let c = 0;
    for (const [file, perLine] of files) {
      const count = [...perLine.values()].reduce((a, l) => a + l.length, 0);
      if (collapsed.has(file)) {
        lines.push(`  ${q(`scope:${file}`)} [id=${q(`scope:${file}`)}, class="scope collapsed", label=${q(`${file}\n${count} nodes`)}, shape=box3d, fillcolor="#eeeeee"];`);
        continue;
      }
      lines.push(`  subgraph cluster_s${c++} {`, `    id=${q(`cluster:${file}`)}; class="scope"; label=${q(file)}; style="rounded"; color="#bbbbbb"; fontsize=10;`);
      for (const [line, members] of perLine) {
        if (collapsed.has(line)) {
          lines.push(`    ${q(`scope:${line}`)} [id=${q(`scope:${line}`)}, class="scope collapsed", label=${q(`${line}\n${members.length} nodes`)}, shape=box3d, fillcolor="#eeeeee"];`);
          continue;
        }
        if (line === file) { for (const n of members) lines.push(`    ${nodeLine(n, '')}`); continue; }
        lines.push(`    subgraph cluster_s${c++} {`, `      id=${q(`cluster:${line}`)}; class="scope"; label=${q(`line ${line.split(':').pop()}`)}; style="rounded,dotted"; color="#cccccc"; fontsize=8;`);
        for (const n of members) lines.push(`      ${nodeLine(n, '')}`);
        lines.push('    }');
      }
      lines.push('  }');
    }
  } else {
    for (const n of nodes) lines.push(`  ${nodeLine(n, '')}`);
  }

  // Edges (shapes on them), merged where collapsed scopes make several into one.
  for (const n of nodes) {
    const to = standIn(n);
    n.inputs.forEach((input) => {
      const from = idOf(input);
      if (from === undefined || from === to) return;
      const key = `${from}->${to}`;
      if (emitted.has(key)) return;
      emitted.add(key);
      lines.push(`  ${q(from)} -> ${q(to)} [label=${q(` ${typeOf.get(input) ?? ''}`)}];`);
    });
    if (n.after !== undefined) {
      const from = idOf(n.after);
      if (from !== undefined && from !== to && !emitted.has(`${from}~>${to}`)) {
        emitted.add(`${from}~>${to}`);
        lines.push(`  ${q(from)} -> ${q(to)} [style=dotted, color="#aaaaaa", arrowhead=empty, constraint=false];`);
      }
    }
  }

  // What the pass removed: dashed ghosts, wired to whatever of their inputs is still drawn.
  for (const r of view.removed ?? []) {
    lines.push(`  n${r.id} [id=${q(`n${r.id}`)}, class=${q(`removed op-${r.op}`)}, label=${q(`%${r.id} ${r.op}\n${r.type}`)}, style="rounded,dashed", color="#c92a2a", fontcolor="#c92a2a", fillcolor="#ffffff", tooltip=${q(`removed: ${r.line}`)}];`);
    for (const input of r.inputs) {
      const from = idOf(input) ?? ((view.removed ?? []).some((x) => x.id === input) ? `n${input}` : undefined);
      if (from !== undefined) lines.push(`  ${q(from)} -> n${r.id} [style=dashed, color="#e08080"];`);
    }
  }
  if (view.nodes.length > nodes.length) {
    lines.push(`  more [label=${q(`… ${view.nodes.length - nodes.length} more nodes not drawn`)}, shape=plaintext, style=""];`);
  }
  lines.push('}');
  return lines.join('\n');
}
