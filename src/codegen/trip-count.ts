import { getOp, isEffectful, sizeOf, type Graph, type HostTensor, type Node, type Value } from '../ir/index.js';

/**
 * Small values known when the program is built (loop counters, bounds), computed from
 * constants with the primitives' reference evaluators. A `while` whose condition depends on
 * known values only has a trip count known when traced: it runs its body that many times and
 * never evaluates (or, on WebGPU, reads back) its condition.
 */
export type KnownValues = Map<Value, HostTensor>;

/** Only small values are followed: counters and bounds, not data. */
const MAX_KNOWN_ELEMENTS = 16;
/** Loops longer than this are left to run their condition (simulating them would cost the build). */
const MAX_SIMULATED_ITERATIONS = 100_000;

/** The trip count of a `while` known when traced, and the final values of its known loop variables. */
export interface KnownTrip {
  readonly count: number;
  readonly finals: ReadonlyMap<number, HostTensor>;
}

/**
 * Ops whose reference evaluator gives exactly what every backend computes (integer arithmetic,
 * comparisons, IEEE-rounded float add/sub/mul, movement), so a simulated loop stops where the
 * device's would. Transcendentals and float division are approximations on some devices.
 */
const EXACT = new Set([
  'add', 'sub', 'mul', 'maximum', 'minimum', 'neg', 'abs', 'sign', 'floor', 'ceil', 'square', 'relu', 'cast', 'identity', 'stopGradient',
  'equal', 'notEqual', 'less', 'lessEqual', 'greater', 'greaterEqual', 'logicalAnd', 'logicalOr', 'logicalNot', 'where',
  'reshape', 'broadcastTo', 'transpose', 'slice', 'concat', 'tile', 'gather',
]);
/** Exact on integers only. */
const EXACT_ON_INTEGERS = new Set(['div', 'floorDiv', 'mod']);

/** Whether `node` may be evaluated on the host when its inputs are known. */
function evaluable(node: Node): boolean {
  if (node.outputs.length !== 1 || sizeOf(node.output.type.shape) > MAX_KNOWN_ELEMENTS || isEffectful(node)) return false;
  if (EXACT.has(node.op)) return true;
  return EXACT_ON_INTEGERS.has(node.op) && node.inputs.every((v) => v.type.dtype === 'int32');
}

function evaluate(node: Node, known: ReadonlyMap<Value, HostTensor>): HostTensor | null {
  if (node.op === 'constant') {
    const h = node.attrs.value as HostTensor;
    return h.data.length <= MAX_KNOWN_ELEMENTS ? h : null;
  }
  if (!evaluable(node)) return null;
  const ins: HostTensor[] = [];
  for (const v of node.inputs) {
    const h = known.get(v);
    if (!h) return null;
    ins.push(h);
  }
  try {
    return { type: node.output.type, data: getOp(node.op).evaluate(ins, node.attrs, node.output.type) };
  } catch {
    return null;
  }
}

/** Records the value of `node` when it is known (a small constant, or computed from known values). */
export function noteKnown(node: Node, known: KnownValues): void {
  const h = evaluate(node, known);
  if (h) known.set(node.output, h);
}

/** The nodes of `graph` that compute `wanted` from parameters `given` (null when some input is unknown). */
function slice(graph: Graph, wanted: readonly Value[], given: (index: number) => boolean): Node[] | null {
  const needed = new Set<Node>();
  const stack = wanted.map((v) => v.node);
  while (stack.length) {
    const n = stack.pop()!;
    if (needed.has(n)) continue;
    if (n.op === 'parameter') {
      if (!given(n.attrs.index as number)) return null;
    } else if (n.op !== 'constant' && !evaluable(n)) {
      return null;
    }
    needed.add(n);
    stack.push(...n.inputs.map((v) => v.node));
  }
  return graph.nodes.filter((n) => needed.has(n));
}

/** Runs a slice with parameter values; null when a value cannot be computed. */
function run(nodes: readonly Node[], params: readonly (HostTensor | undefined)[], wanted: readonly Value[]): HostTensor[] | null {
  const env = new Map<Value, HostTensor>();
  for (const n of nodes) {
    const h = n.op === 'parameter' ? params[n.attrs.index as number] : evaluate(n, env);
    if (!h) return null;
    env.set(n.output, h);
  }
  return wanted.map((v) => env.get(v)!);
}

/**
 * The trip count of a `while` node when it is known when traced: its condition is computed
 * from loop variables whose initial values are known and whose next values the body computes
 * from known values only (a counter `i` from a constant, `i < n` with a constant `n`, a
 * constant step), or it is a constant, bounded by `maximumIterations`. The loop is simulated
 * with the reference evaluators, so integer wrap-around and float rounding match the device.
 */
export function knownTrip(node: Node, known: ReadonlyMap<Value, HostTensor>): KnownTrip | null {
  const condition = node.attrs.condGraph as Graph;
  const body = node.attrs.bodyGraph as Graph;
  const n = node.attrs.loopVarCount as number;
  const max = (node.attrs.maximumIterations as number | null | undefined) ?? null;
  // The condition is skipped, so it must have no effect of its own.
  if (condition.nodes.some((x) => isEffectful(x) || getOp(x.op).random)) return null;
  const outer = node.inputs.map((v) => known.get(v));
  // Loop variables that stay known: known on entry, and computed by the body from known values.
  let vars = new Set<number>();
  for (let k = 0; k < n; k++) if (outer[k]) vars.add(k);
  const given = (i: number) => (i < n ? vars.has(i) : outer[i] !== undefined);
  for (;;) {
    const next = new Set([...vars].filter((k) => slice(body, [body.outputs[k]!], given) !== null));
    if (next.size === vars.size) break;
    vars = next;
  }
  const test = slice(condition, condition.outputs, given);
  if (!test) return null;
  const order = [...vars];
  const step = slice(body, order.map((k) => body.outputs[k]!), given);
  if (!step) return null;
  const params = [...outer];
  for (let k = 0; k < n; k++) if (!vars.has(k)) params[k] = undefined;
  let count = 0;
  for (; max === null || count < max; count++) {
    const [go] = run(test, params, condition.outputs) ?? [];
    if (!go) return null;
    if (go.data[0] === 0) break;
    if (count >= MAX_SIMULATED_ITERATIONS) return null;
    const values = run(step, params, order.map((k) => body.outputs[k]!));
    if (!values) return null;
    order.forEach((k, i) => { params[k] = values[i]; });
  }
  return { count, finals: new Map(order.map((k) => [k, params[k]!])) };
}
