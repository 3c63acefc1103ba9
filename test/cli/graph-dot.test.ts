// The DOT that `--format dot|svg` writes and the HTML page draws: edges carry shapes, collapsed
// scopes stand in for their nodes, removed nodes are ghosts, multi-output nodes wire by value.
import { describe, expect, it } from 'vitest';
import { buildDot } from '../../src/cli/graph-dot.js';
import type { DumpNode } from '../../src/trace/dump-model.js';

const node = (id: number, op: string, inputs: number[], line: number, extra: Partial<DumpNode> = {}): DumpNode => ({
  id, op, inputs, shape: [2], dtype: 'float32', type: 'f32[2]', line: `%${id}:f32[2] = ${op}`, uses: 1, location: `/src/app.ts:${line}:3`, ...extra,
});

const nodes = [
  node(0, 'parameter', [], 1, { location: undefined }),
  node(1, 'exp', [0], 4),
  node(2, 'cond', [1], 5, { outputs: [2, 3], outputTypes: ['f32[2]', 'i32[]'] }),
  node(4, 'add', [3, 1], 6),
];

describe('buildDot', () => {
  it('draws edges from the producing node, labelled with the value type', () => {
    const dot = buildDot({ title: 't', nodes, outputs: [4], cluster: 'none' });
    expect(dot).toContain('"n0" -> "n1" [label=" f32[2]"]');
    expect(dot).toContain('"n2" -> "n4" [label=" i32[]"]');
    expect(dot).toMatch(/n4 \[id="n4".*peripheries=2/);
  });

  it('clusters by source file and line, and a collapsed line is one box', () => {
    const dot = buildDot({ title: 't', nodes, outputs: [4], cluster: 'scope', collapsed: ['app.ts:5'] });
    expect(dot).toContain('id="cluster:app.ts"');
    expect(dot).toContain('id="cluster:app.ts:4"');
    expect(dot).toContain('"scope:app.ts:5" [id="scope:app.ts:5", class="scope collapsed", label="app.ts:5\\n1 nodes"');
    expect(dot).toContain('"n1" -> "scope:app.ts:5"');
    expect(dot).toContain('"scope:app.ts:5" -> "n4"');
    expect(dot).not.toMatch(/^\s*n2 \[/m);
  });

  it('highlights changed nodes, draws removed ones as ghosts, and caps what it draws', () => {
    const dot = buildDot({ title: 't', nodes, outputs: [4], cluster: 'none', highlight: [4], removed: [node(9, 'neg', [1], 7)] });
    expect(dot).toMatch(/n4 \[[^\n]*class="op-add changed output"[^\n]*penwidth/);
    expect(dot).toMatch(/n9 \[id="n9", class="removed op-neg"/);
    expect(dot).toContain('"n1" -> n9 [style=dashed');
    expect(buildDot({ title: 't', nodes, outputs: [4], cluster: 'none', cap: 2 })).toContain('… 2 more nodes not drawn');
  });
});
