import { dtypeShortName } from './dtype.js';
import type { Graph, Node } from './graph.js';
import type { AttrValue, HostTensor, VariableRef } from './op-def.js';
import { sizeOf, typeString } from './tensor-type.js';

export interface PrintOptions {
  /** Append `# file:line` comments with the user's source line (default true). */
  readonly locations?: boolean;
  /** Prefix each node with its use count (`[2]`), as `kiln inspect` shows it. */
  readonly uses?: boolean;
}

function isHostTensor(v: AttrValue): v is HostTensor {
  return typeof v === 'object' && v !== null && 'data' in v && 'type' in v;
}
function isVariable(v: AttrValue): v is VariableRef {
  return typeof v === 'object' && v !== null && 'id' in v && 'name' in v && 'type' in v;
}

function formatNumber(x: number, dtype: string): string {
  if (dtype === 'bool') return x ? 'true' : 'false';
  if (Object.is(x, -0)) return dtype === 'float32' ? '-0.0' : '0';
  // 1e+21 is an integer too, but has no room for a `.0`.
  if (Number.isInteger(x) && dtype === 'float32' && !String(x).includes('e')) return `${x}.0`;
  return String(x);
}

/** A constant's printed form: the value for small tensors, a summary for large ones. */
export function formatConstant(t: HostTensor): string {
  const n = sizeOf(t.type.shape);
  const items = Array.from(t.data.slice(0, Math.min(n, 8)), (x) => formatNumber(x, t.type.dtype));
  if (t.type.shape.length === 0) return items[0]!;
  return `[${items.join(', ')}${n > 8 ? `, … (${n} values)` : ''}]`;
}

function isGraph(v: AttrValue): v is Graph {
  return typeof v === 'object' && v !== null && 'nodes' in v && 'params' in v;
}

function formatAttr(v: AttrValue): string {
  if (isGraph(v)) return `@${v.name}`;
  if (isHostTensor(v)) return formatConstant(v);
  if (isVariable(v)) return `@${v.name}`;
  return JSON.stringify(v);
}

/** One node as `%5:f32[128,10] = add %3, %4 {attrs}  # file:line`. */
export function printNode(node: Node, options: PrintOptions = {}, uses?: number): string {
  const head = node.outputs.map((v) => `%${v.id}:${typeString(v.type)}`).join(', ') || `%${node.id}:()`;
  const args = node.inputs.map((v) => `%${v.id}`);
  let body: string;
  if (node.op === 'parameter') body = `parameter ${String(node.attrs.index)}${node.attrs.name ? ` "${String(node.attrs.name)}"` : ''}`;
  else if (node.op === 'constant') body = `constant ${formatConstant(node.attrs.value as HostTensor)}`;
  else {
    const attrs = Object.entries(node.attrs)
      .filter(([k, v]) => v !== undefined && v !== null && k !== 'variable')
      .map(([k, v]) => `${k}=${formatAttr(v!)}`);
    const variable = node.attrs.variable as VariableRef | undefined;
    const target = variable ? [`@${variable.name}`] : [];
    body = [node.op, [...target, ...args].join(', ')].filter(Boolean).join(' ') + (attrs.length ? ` {${attrs.join(', ')}}` : '');
  }
  const order = node.after ? ` after %${node.after.id}` : '';
  const prefix = uses !== undefined ? `[${uses}] ` : '';
  const loc = options.locations !== false && node.location ? `  # ${shortLocation(node.location)}` : '';
  return `${prefix}${head} = ${body}${order}${loc}`;
}

function shortLocation(loc: string): string {
  const parts = loc.split('/');
  return parts.slice(-2).join('/');
}

/** The whole graph, one node per line, then its outputs. */
export function printGraph(graph: Graph, options: PrintOptions = {}): string {
  const uses = options.uses ? graph.useCounts() : undefined;
  const params = graph.params.map((p) => `%${p.id}:${typeString(p.type)}`).join(', ');
  const lines = [`graph ${graph.name}(${params}) {`];
  for (const node of graph.nodes) {
    lines.push('  ' + printNode(node, options, uses?.get(node.output) ?? (uses ? 0 : undefined)));
    // Subgraphs (control flow) print nested under their node.
    for (const v of Object.values(node.attrs)) {
      if (v !== undefined && v !== null && isGraph(v)) lines.push(...printGraph(v, options).split('\n').map((l) => '    ' + l));
    }
  }
  lines.push(`  return ${graph.outputs.map((v) => `%${v.id}`).join(', ')}`);
  lines.push('}');
  return lines.join('\n');
}

export { dtypeShortName };
