import type { DType, Expr } from '../ir/index.js';

/** WGSL's types for kiln's dtypes: bool is a u32 holding 0 or 1 (WGSL has no 8-bit storage). */
export type WgslType = 'f32' | 'i32' | 'u32';

export function wgslType(dtype: DType): WgslType {
  return dtype === 'float32' ? 'f32' : dtype === 'int32' ? 'i32' : 'u32';
}

/** Where a temp is declared: before a reduction's inner loop, inside it, or after it (epilogue). */
export const PRE = 0;
export const LOOP = 1;
export const POST = 2;

export interface WgslNames {
  /** The variable holding domain coordinate `dim` (an i32). */
  readonly index: (dim: number) => string;
  /** The array input `i` is read from. */
  readonly input: (i: number) => string;
  /** What `acc` renders to in an epilogue. */
  readonly acc: string;
  /** The declaration level of coordinate `dim` (PRE for outer dims, LOOP for inner ones). */
  readonly levelOf: (dim: number) => number;
}

/**
 * Renders scalar expressions to WGSL as a list of `let` declarations, one per load or ALU
 * node, deduplicated by their text (so common subexpressions are computed once) and placed at
 * the earliest level whose coordinates they use (so loop-invariant work leaves the inner loop).
 * Naming every node also keeps expressions shallow, whatever the depth of a fused chain.
 */
export class WgslExprWriter {
  readonly helpers = new Set<string>();
  private readonly statements: string[][] = [[], [], []];
  private readonly temps = new Map<string, { name: string; level: number }>();

  constructor(private readonly names: WgslNames, private readonly prefix = 't') {}

  /** Renders `e`, returning the code that names its value. */
  render(e: Expr): string {
    return this.visit(e).code;
  }

  /** The declarations of a level, in order. */
  take(level: number): string[] {
    const s = this.statements[level]!;
    this.statements[level] = [];
    return s;
  }

  private visit(e: Expr): { code: string; level: number } {
    switch (e.k) {
      case 'const': return { code: this.constant(e.value, e.dtype), level: PRE };
      case 'index': return { code: this.names.index(e.dim), level: this.names.levelOf(e.dim) };
      case 'acc': return { code: this.names.acc, level: POST };
      case 'load': {
        const at = this.visit(e.at);
        return this.declare(`${this.names.input(e.input)}[${at.code}]`, at.level);
      }
      case 'alu': {
        // exp(x) - 1 cancels in f32 near 0 (the js renderer computes it in float64): expm1.
        const [x, one] = e.args;
        if (e.op === 'sub' && e.dtype === 'float32' && x?.k === 'alu' && x.op === 'exp' && one?.k === 'const' && one.value === 1) {
          const arg = this.visit(x.args[0]!);
          return this.declare(this.call('k_expm1', arg.code), arg.level);
        }
        const args = e.args.map((a) => this.visit(a));
        const level = Math.max(PRE, ...args.map((a) => a.level));
        return this.declare(this.alu(e, args.map((a) => a.code)), level);
      }
    }
  }

  private declare(code: string, level: number): { code: string; level: number } {
    const found = this.temps.get(code);
    if (found) return { code: found.name, level: found.level };
    const name = `${this.prefix}${this.temps.size}`;
    this.temps.set(code, { name, level });
    this.statements[level]!.push(`let ${name} = ${code};`);
    return { code: name, level };
  }

  private call(helper: string, ...args: string[]): string {
    this.helpers.add(helper);
    return `${helper}(${args.join(', ')})`;
  }

  constant(value: number, dtype: DType): string {
    if (dtype === 'bool') return value !== 0 ? '1u' : '0u';
    if (dtype === 'int32') {
      const v = value | 0;
      return v === -2147483648 ? 'bitcast<i32>(0x80000000u)' : `${v}i`;
    }
    const f = Math.fround(value);
    const bits = new Uint32Array(Float32Array.of(f).buffer)[0]!;
    // NaN, infinities, -0 and subnormals by their bits; const evaluation would reject or flush them.
    if (!Number.isFinite(f) || Object.is(f, -0) || (f !== 0 && Math.abs(f) < 2 ** -126)) {
      return this.call('k_bits', `0x${bits.toString(16)}u`);
    }
    const text = String(f);
    return `${text}${/[.e]/.test(text) ? '' : '.0'}f`;
  }

  private alu(e: Extract<Expr, { k: 'alu' }>, a: string[]): string {
    const [x, y, z] = a as [string, string, string];
    const t = e.args[0]!.dtype;
    const f = t === 'float32';
    const int = t === 'int32';
    const positiveConst = (i: number) => { const b = e.args[i]!; return b.k === 'const' && b.value > 0; };
    switch (e.op) {
      case 'neg': return e.dtype === 'bool' ? x : `-(${x})`;
      case 'abs': return e.dtype === 'bool' ? x : `abs(${x})`;
      case 'sign': return f ? this.call('k_fsign', x) : int ? this.call('k_isign', x) : x;
      case 'floor': case 'ceil': case 'round': case 'sqrt': case 'exp': case 'log': case 'sin': case 'cos':
        return f ? `${e.op}(${x})` : x;
      case 'rsqrt': return `(1.0 / sqrt(${x}))`;
      case 'log1p': return this.call('k_log1p', x);
      case 'tanh': return this.call('k_tanh', x);
      case 'sigmoid': return this.call('k_sigmoid', x);
      case 'not': return `(1u - ${x})`;
      case 'add': return `(${x} + ${y})`;
      case 'sub': return `(${x} - ${y})`;
      case 'mul': return `(${x} * ${y})`;
      case 'div':
        if (int) return positiveConst(1) ? this.call('k_idivp', x, y) : this.call('k_idiv', x, y);
        return `(${x} / ${y})`;
      case 'idiv':
        if (int) return positiveConst(1) ? this.call('k_idivp', x, y) : this.call('k_idiv', x, y);
        return `floor(${x} / ${y})`;
      case 'mod':
        if (int) return positiveConst(1) ? this.call('k_imodp', x, y) : this.call('k_imod', x, y);
        return this.call('k_fmodf', x, y);
      case 'pow': return int ? this.call('k_ipow', x, y) : this.call('k_fpow', x, y);
      case 'max': return f ? this.call('k_fmax', x, y) : `max(${x}, ${y})`;
      case 'min': return f ? this.call('k_fmin', x, y) : `min(${x}, ${y})`;
      case 'lt': return `select(0u, 1u, ${x} < ${y})`;
      case 'le': return `select(0u, 1u, ${x} <= ${y})`;
      case 'gt': return `select(0u, 1u, ${x} > ${y})`;
      case 'ge': return `select(0u, 1u, ${x} >= ${y})`;
      // Written with == so that NaN is unequal to everything whatever the compiler's != means.
      case 'eq': return `select(0u, 1u, ${x} == ${y})`;
      case 'ne': return `select(1u, 0u, ${x} == ${y})`;
      case 'and': return `(${x} & ${y})`;
      case 'or': return `(${x} | ${y})`;
      case 'where': return `select(${z}, ${y}, ${x} != 0u)`;
      case 'rand': return this.call('k_rand', this.asI32(x, t), this.asI32(y, e.args[1]!.dtype));
      case 'cast': return this.cast(x, t, e.dtype);
    }
  }

  private asI32(code: string, from: DType): string {
    return from === 'int32' ? code : from === 'float32' ? this.call('k_toi32', code) : `i32(${code})`;
  }

  private cast(x: string, from: DType, to: DType): string {
    if (from === to) return x;
    if (to === 'float32') return `f32(${x})`;
    if (to === 'int32') return this.asI32(x, from);
    // To bool: x != 0, and NaN is not zero (so true), read from the bits.
    if (from === 'float32') return `select(0u, 1u, (bitcast<u32>(${x}) & 0x7fffffffu) != 0u)`;
    return `select(0u, 1u, ${x} != 0i)`;
  }
}
