import { getOp, sizeOf, type AttrValue, type Attrs, type Graph, type HostTensor, type Node, type Value, type VariableRef } from '../ir/index.js';
import { rebuild, type Pass } from './pass.js';

/** Constants up to this many elements are merged by value; larger ones only when they share data. */
const MAX_HASHED_CONSTANT = 1024;

/**
 * Ops whose inputs may be swapped without changing a bit of the result. maximum/minimum are not
 * here: with a NaN operand, GPU min/max may return either input.
 */
const COMMUTATIVE = new Set(['add', 'mul', 'equal', 'notEqual', 'logicalAnd', 'logicalOr']);

/**
 * Common subexpression elimination (Grappler's `dedup_computations`): a node with the same op,
 * attributes and inputs as an earlier one is replaced by it. Stateful nodes are never merged
 * (each one is an effect, or a read at its own point in program order), nor random ones, nor
 * parameters. Constants merge when their values are equal.
 */
export const commonSubexpressionElimination: Pass = {
  name: 'cse',
  run(graph: Graph) {
    const seen = new Map<string, Value[]>();
    let merged = 0;
    let constants = 0;
    const { graph: out } = rebuild(graph, (node, inputs, g) => {
      const key = keyOf(node, inputs);
      if (key === null) return undefined;
      const bucket = seen.get(key) ?? [];
      // Keys are exact except for hashed constant data, which is compared here.
      const hit = bucket.find((v) => node.op !== 'constant' || sameData(v.node.attrs.value as HostTensor, node.attrs.value as HostTensor));
      if (hit) {
        merged++;
        if (node.op === 'constant') constants++;
        return hit;
      }
      const v = g.copyNode(node, inputs);
      bucket.push(v);
      seen.set(key, bucket);
      return v;
    });
    return { graph: merged ? out : graph, stats: { merged, constants } };
  },
};

/** The node's identity for merging, or null when it must stay distinct. */
function keyOf(node: Node, inputs: readonly Value[]): string | null {
  const def = getOp(node.op);
  if (def.stateful || def.random || node.op === 'parameter' || node.op === 'cond' || node.op === 'while') return null;
  if (node.op === 'constant') return constantKey(node.attrs.value as HostTensor);
  let ids = inputs.map((v) => v.id);
  if (COMMUTATIVE.has(node.op)) ids = [...ids].sort((a, b) => a - b);
  return `${node.op}(${ids.join(',')})${attrsKey(node.attrs)}`;
}

function constantKey(t: HostTensor): string {
  const n = sizeOf(t.type.shape);
  const type = `${t.type.dtype}[${t.type.shape.join(',')}]`;
  return n <= MAX_HASHED_CONSTANT ? `constant ${type} #${hashData(t.data, n)}` : `constant ${type} @${identity(t.data)}`;
}

/** FNV-1a over each element's float64 bits, so -0 and 0 (and NaN payloads) hash apart. */
function hashData(data: ArrayLike<number>, n: number): number {
  const bits = new DataView(new ArrayBuffer(8));
  let h = 0x811c9dc5;
  for (let i = 0; i < n; i++) {
    bits.setFloat64(0, data[i]!);
    for (let b = 0; b < 8; b++) h = Math.imul(h ^ bits.getUint8(b), 0x01000193);
  }
  return h >>> 0;
}

function sameData(a: HostTensor, b: HostTensor): boolean {
  if (a.data === b.data) return true;
  const n = sizeOf(a.type.shape);
  for (let i = 0; i < n; i++) if (!Object.is(a.data[i], b.data[i])) return false;
  return true;
}

/** Attributes in a canonical text: sorted keys, absent ones dropped, tensors and variables by identity. */
function attrsKey(attrs: Attrs): string {
  const parts: string[] = [];
  for (const k of Object.keys(attrs).sort()) {
    const v = attrs[k];
    if (v !== undefined) parts.push(`${k}=${attrText(v)}`);
  }
  return `{${parts.join(';')}}`;
}

function attrText(v: AttrValue): string {
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean' || v === null) return String(v);
  if (Array.isArray(v)) return `[${(v as readonly AttrValue[]).map(attrText).join(',')}]`;
  if ('data' in v) return `tensor@${identity((v as HostTensor).data)}`;
  return `var@${(v as VariableRef).id}`;
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;
function identity(o: object): number {
  let id = identities.get(o);
  if (id === undefined) identities.set(o, (id = nextIdentity++));
  return id;
}
