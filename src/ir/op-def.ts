import type { HostArray } from './dtype.js';
import type { Expr } from './expr.js';
import type { TensorType } from './tensor-type.js';
import type { Grad } from './ops/vjp-helpers.js';
import type { Graph } from './graph.js';

/** A tensor on the host: what the reference evaluator reads and writes. */
export interface HostTensor {
  readonly type: TensorType;
  readonly data: HostArray;
}

/** A variable as the IR sees it: an identity and a type; its storage lives in the runtime. */
export interface VariableRef {
  readonly id: number;
  readonly name: string;
  readonly type: TensorType;
}

export type AttrValue =
  | number | string | boolean | null
  | readonly number[]
  | readonly (readonly number[])[]
  | HostTensor
  | VariableRef
  /** A subgraph: the branches of `cond`, the condition and body of `while`. */
  | Graph;

export type Attrs = { readonly [name: string]: AttrValue | undefined };

export type OpKind = 'elementwise' | 'movement' | 'reduce' | 'source' | 'state';

/** What a map-kind op (elementwise, movement, source) sees when it describes one output element. */
export interface ElementContext {
  readonly out: TensorType;
  readonly ins: readonly TensorType[];
  readonly attrs: Attrs;
  /** The output element's coordinates (int32 expressions over the iteration domain). */
  readonly coords: readonly Expr[];
  /** The value of input `input` at the given coordinates. */
  load(input: number, coords: readonly Expr[]): Expr;
  /** The value of input `input` at a flat row-major index. */
  loadFlat(input: number, at: Expr): Expr;
}

export type ReduceOp = 'sum' | 'prod' | 'max' | 'min' | 'argmax' | 'argmin';

/** What a reduce-kind op sees: outer coordinates (the output) and inner ones (reduced over). */
export interface ReduceContext extends ElementContext {
  readonly inner: readonly Expr[];
}

/** How a reduce-kind op lowers: the reduced extent, the value accumulated, an optional epilogue. */
export interface ReduceSpec {
  readonly op: ReduceOp;
  /** The shape iterated for each output element. */
  readonly innerShape: readonly number[];
  /** The accumulated value at (coords, inner). */
  body(ctx: ReduceContext): Expr;
  /** The output element from the finished accumulator (Expr `acc`); identity when absent. */
  epilogue?(acc: Expr, ctx: ElementContext): Expr;
  /** A hint to renderers that this reduction is a (batched) matrix product. */
  readonly matmul?: { readonly transposeA: boolean; readonly transposeB: boolean };
}

/** Builds nodes of the graph being derived; implemented by the tracer, used by VJP rules. */
export interface GraphBuilder<V> {
  op(name: string, inputs: readonly V[], attrs?: Attrs): V;
  /** A node with several outputs (control flow); builders that cannot make one omit it. */
  opOutputs?(name: string, inputs: readonly V[], attrs?: Attrs): V[];
  constant(value: number, dtype?: TensorType['dtype']): V;
  typeOf(v: V): TensorType;
  /** The source location later nodes should carry (the forward node's, for backward nodes). */
  at?(location: string | undefined): void;
}

/** What a VJP rule sees of the node it differentiates. Forward values are made on demand. */
export interface VjpContext<V> {
  /** Forward input i. */
  x(i: number): V;
  /** The forward output (output k of a multi-output node). */
  y(k?: number): V;
  /** The cotangent of the output. */
  readonly dy: V;
  /** The cotangent of each output (multi-output nodes; null for non-float outputs). */
  readonly dys: readonly (V | null)[];
  readonly attrs: Attrs;
  readonly inTypes: readonly TensorType[];
  readonly outType: TensorType;
}

/** The vector-Jacobian product of one node: a cotangent per input (null where none flows). */
export type VjpRule = <V>(g: Grad<V>, ctx: VjpContext<V>) => (V | null)[];

/** Everything about one primitive: its type rule, reference evaluator, lowering and gradient. */
export interface OpDef {
  readonly name: string;
  readonly kind: OpKind;
  /** Has an effect or reads state: never removed, reordered, merged or folded. */
  readonly stateful?: boolean;
  /** Produces random numbers: never constant-folded. */
  readonly random?: boolean;
  /** Input count; -1 for any number (concat). */
  readonly arity: number;
  /** Puts attributes in canonical form (negative axes resolved, defaults filled) before `infer`. */
  normalize?(ins: readonly TensorType[], attrs: Attrs): Attrs;
  infer(ins: readonly TensorType[], attrs: Attrs): TensorType;
  /** For ops with several outputs (control flow): every output's type; `infer` gives the first. */
  inferOutputs?(ins: readonly TensorType[], attrs: Attrs): TensorType[];
  /** For ops whose effects depend on their attributes (control flow around stateful subgraphs). */
  isStateful?(attrs: Attrs): boolean;
  /** The reference evaluator of ops with several outputs or subgraphs (control flow). */
  evaluateOutputs?(ins: readonly HostTensor[], attrs: Attrs, run: (graph: Graph, params: readonly HostTensor[]) => HostTensor[]): HostTensor[];
  /** The reference evaluator: plain loops on typed arrays, the oracle for tests. */
  evaluate(ins: readonly HostTensor[], attrs: Attrs, out: TensorType): HostArray;
  /**
   * Throws a KilnError for input values the op is undefined on (gather's out-of-range indices).
   * Eager ops run it when the backend reads back synchronously; compiled graphs do not, so an
   * unused op pruned by DCE never fails (TF's non-strict execution). `read(i)` gives input i.
   */
  checkValues?(read: (input: number) => ArrayLike<number>, ins: readonly TensorType[], attrs: Attrs): void;
  /** Map-kind ops (elementwise, movement, source): one output element. */
  element?(ctx: ElementContext): Expr;
  /** Reduce-kind ops. */
  reduce?(ins: readonly TensorType[], attrs: Attrs, out: TensorType): ReduceSpec;
  vjp?: VjpRule;
}
