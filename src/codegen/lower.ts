import {
  acc, alu, domainCoords, flatIndex, getOp, int, load, sizeOf, stridesOf,
  type ElementContext, type Expr, type HostTensor, type Node, type Value,
} from '../ir/index.js';
import type { Kernel } from './kernel.js';

/**
 * Lowers a kernel group (a root node and the producers fused into it) to one kernel. Each
 * member's element is inlined where it is used, so fused intermediates never reach memory;
 * values from outside the group become input buffers. Scalar constants are inlined.
 */
export function lowerGroup(root: Node, members: ReadonlySet<Node>, name: string): { kernel: Kernel; inputs: Value[] } {
  const inputs: Value[] = [];
  const bufferOf = (v: Value): number => {
    let i = inputs.indexOf(v);
    if (i < 0) { i = inputs.length; inputs.push(v); }
    return i;
  };

  // In an epilogue, the reduction's value is its accumulator (the chain is same-shape elementwise).
  let reducedValue: { node: Node; expr: Expr } | null = null;
  const elementAt = (v: Value, coords: readonly Expr[]): Expr => {
    const node = v.node;
    if (reducedValue && node === reducedValue.node) return reducedValue.expr;
    if (node.op === 'constant' && sizeOf(v.type.shape) === 1) {
      return { k: 'const', value: (node.attrs.value as HostTensor).data[0]!, dtype: v.type.dtype };
    }
    if (!members.has(node)) return load(bufferOf(v), flatIndex(coords, v.type.shape), v.type.dtype);
    return getOp(node.op).element!(contextFor(node, coords));
  };

  const flatElementAt = (v: Value, at: Expr): Expr => {
    if (!members.has(v.node) && !(v.node.op === 'constant' && sizeOf(v.type.shape) === 1)) return load(bufferOf(v), at, v.type.dtype);
    return elementAt(v, unflatten(at, v.type.shape));
  };

  const contextFor = (node: Node, coords: readonly Expr[]): ElementContext => ({
    out: node.output.type,
    ins: node.inputs.map((i) => i.type),
    attrs: node.attrs,
    coords,
    load: (i, c) => elementAt(node.inputs[i]!, c),
    loadFlat: (i, at) => flatElementAt(node.inputs[i]!, at),
  });

  const out = root.output.type;
  const domain = out.shape;
  const coords = domainCoords(domain.length);
  const outputs = [{ dtype: out.dtype, size: sizeOf(out.shape) }];
  // At most one reduction per group: the root, or the core of an epilogue chain ending at the root.
  const core = [...members].find((m) => getOp(m.op).reduce !== undefined);
  if (core) {
    const spec = getOp(core.op).reduce!(core.inputs.map((i) => i.type), core.attrs, core.output.type);
    const inner = domainCoords(spec.innerShape.length, domain.length);
    const ctx = { ...contextFor(core, coords), inner };
    const body = spec.body(ctx);
    const accumulated = acc(spec.op === 'argmax' || spec.op === 'argmin' ? 'int32' : body.dtype);
    const reduced = spec.epilogue ? spec.epilogue(accumulated, ctx) : accumulated;
    reducedValue = { node: core, expr: reduced };
    const epilogue = elementAt(root.output, coords);
    const kernel: Kernel = { kind: 'reduce', name, inputs: inputs.map(bufferInfo), outputs, domain, op: spec.op, inner: spec.innerShape, body, epilogue };
    return { kernel, inputs };
  }
  const store = elementAt(root.output, coords);
  return { kernel: { kind: 'map', name, inputs: inputs.map(bufferInfo), outputs, domain, stores: [store] }, inputs };
}

function bufferInfo(v: Value) {
  return { dtype: v.type.dtype, size: sizeOf(v.type.shape) };
}

/** Coordinates of a flat row-major index in `shape`. */
function unflatten(at: Expr, shape: readonly number[]): Expr[] {
  const strides = stridesOf(shape);
  return shape.map((d, i) => {
    if (d === 1) return int(0);
    const q = strides[i] === 1 ? at : alu('idiv', [at, int(strides[i]!)]);
    return i === 0 ? q : alu('mod', [q, int(d)]);
  });
}
