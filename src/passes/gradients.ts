import { getOp, Grad, KilnError, typeString, type GraphBuilder, type Node, type Value } from '../ir/index.js';

/** What to differentiate: recorded forward nodes, a target, and groups of source values. */
export interface GradientRequest<V> {
  /** The recorded forward nodes, in topological order; only these are differentiated. */
  readonly nodes: readonly Node[];
  /** One target, or several (their cotangents are `seeds`, or ones). */
  readonly target: Value | readonly Value[];
  /** One group per source; a source's gradient is the sum over its values (e.g. each read of a variable). */
  readonly sources: readonly (readonly Value[])[];
  /** Builds the backward nodes. */
  readonly builder: GraphBuilder<V>;
  /** A forward value as a builder value (made on demand: only what rules use is bound). */
  readonly forward: (v: Value) => V;
  /** The target's cotangent (one per target when there are several); ones of its shape when absent. */
  readonly seed?: V | readonly (V | null)[];
}

/**
 * Reverse-mode differentiation over the IR: walks the recorded nodes from the target back to
 * the sources, applying each primitive's VJP rule and summing cotangents where values fan
 * out. The backward nodes are ordinary primitives, so they are optimized, fused and compiled
 * with the rest, and can be differentiated again. Returns null for unconnected sources.
 */
export function deriveGradients<V>(req: GradientRequest<V>): (V | null)[] {
  const { nodes, builder } = req;
  const targets: readonly Value[] = Array.isArray(req.target) ? req.target : [req.target as Value];
  const seeds: readonly (V | null | undefined)[] = Array.isArray(req.target) ? ((req.seed as readonly (V | null)[] | undefined) ?? []) : [req.seed as V | undefined];
  const g = new Grad(builder);
  const fromSource = new Set<Value>();
  for (const group of req.sources) for (const v of group) fromSource.add(v);
  for (const n of nodes) {
    if (n.inputs.some((v) => fromSource.has(v))) for (const o of n.outputs) if (o.type.dtype === 'float32') fromSource.add(o);
  }
  const toTarget = new Set<Value>(targets);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const n = nodes[i]!;
    if (n.outputs.some((o) => toTarget.has(o))) for (const v of n.inputs) toTarget.add(v);
  }
  const relevant = (v: Value) => fromSource.has(v) && toTarget.has(v) && v.type.dtype === 'float32';

  const cotangents = new Map<Value, V>();
  const accumulate = (v: Value, ct: V) => {
    const prev = cotangents.get(v);
    cotangents.set(v, prev === undefined ? ct : g.add(prev, ct));
  };
  targets.forEach((target, i) => {
    if (!relevant(target)) return;
    const shape = target.type.shape;
    const seed = seeds[i];
    if (seed === null) return;
    accumulate(target, seed ?? (shape.length === 0 ? g.c(1) : g.broadcastTo(g.c(1), shape)));
  });

  for (let i = nodes.length - 1; i >= 0; i--) {
    const node = nodes[i]!;
    const live = node.outputs.map((o) => (relevant(o) ? cotangents.get(o) ?? null : null));
    if (live.every((d) => d === null)) continue;
    // A multi-output node (control flow) gets zeros for the outputs no cotangent reached.
    const dys = node.outputs.length === 1 ? live : live.map((d, k) => d ?? (node.outputs[k]!.type.dtype === 'float32' ? g.zeros(node.outputs[k]!.type.shape) : null));
    const dy = dys[0] ?? g.zeros(node.output.type.shape);
    const def = getOp(node.op);
    if (!def.vjp) {
      if (def.stateful || def.kind === 'source') continue;
      throw new KilnError(`no gradient is defined for '${node.op}' (${typeString(node.output.type)}); wrap it in kiln.stopGradient if no gradient should flow through it`, { op: 'gradient', ...(node.location ? { location: node.location } : {}) });
    }
    builder.at?.(node.location);
    const grads = def.vjp(g, {
      x: (k) => req.forward(node.inputs[k]!),
      y: (k = 0) => req.forward(node.outputs[k]!),
      dy,
      dys,
      attrs: node.attrs,
      inTypes: node.inputs.map((v) => v.type),
      outType: node.output.type,
    });
    node.inputs.forEach((v, k) => {
      const ct = grads[k];
      if (ct !== null && ct !== undefined && relevant(v)) accumulate(v, ct);
    });
  }

  return req.sources.map((group) => {
    let total: V | null = null;
    for (const v of group) {
      const ct = cotangents.get(v);
      if (ct !== undefined) total = total === null ? ct : g.add(total, ct);
    }
    return total;
  });
}
