import {
  LANE, MEMORY, MEMORY_LANE, plainBytes, sleb, uleb,
  type LaneOp, type MemoryLaneOp, type MemoryOp, type PlainOp,
} from './opcodes.js';

/**
 * A small typed WebAssembly assembler: a module of imported and defined functions over one
 * imported memory, written as bytes directly, with a WAT-like listing of every instruction for
 * `kiln inspect` and tests. Branch targets are label objects, so nobody counts nesting depths.
 */
export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

export interface Local {
  readonly index: number;
  readonly type: ValType;
  readonly name: string;
}

/** An open block, loop or if: the target of `br`/`br_if`. */
export interface Label {
  readonly kind: 'block' | 'loop' | 'if';
  readonly name: string;
}

const f32Scratch = new Float32Array(1);
const f64Scratch = new Float64Array(1);
const bytesOf = (a: Float32Array | Float64Array) => Array.from(new Uint8Array(a.buffer));

function numberText(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return Object.is(v, -0) ? '-0' : String(v);
}

export class FuncBuilder {
  private readonly code: number[] = [];
  private readonly lines: string[] = [];
  private readonly localList: Local[] = [];
  private readonly labels: Label[] = [];
  private names = new Map<string, number>();
  readonly params: readonly Local[];

  constructor(readonly name: string, params: readonly { name: string; type: ValType }[], readonly results: readonly ValType[] = []) {
    this.params = params.map((p, index) => ({ index, type: p.type, name: p.name }));
    for (const p of params) this.names.set(p.name, 1);
  }

  /** A fresh local; names are made unique for the listing. */
  local(type: ValType, name = 't'): Local {
    const n = this.names.get(name) ?? 0;
    this.names.set(name, n + 1);
    const local = { index: this.params.length + this.localList.length, type, name: n === 0 ? name : `${name}${n}` };
    this.localList.push(local);
    return local;
  }

  private emit(bytes: readonly number[], text: string): this {
    for (const b of bytes) this.code.push(b);
    this.lines.push('  '.repeat(this.labels.length + 1) + text);
    return this;
  }

  comment(text: string): this {
    this.lines.push(`${'  '.repeat(this.labels.length + 1)};; ${text}`);
    return this;
  }

  op(op: PlainOp): this {
    return this.emit(plainBytes(op), op);
  }

  i32Const(n: number): this {
    return this.emit([0x41, ...sleb(n | 0)], `i32.const ${n | 0}`);
  }

  f32Const(v: number): this {
    f32Scratch[0] = v;
    return this.emit([0x43, ...bytesOf(f32Scratch)], `f32.const ${numberText(f32Scratch[0]!)}`);
  }

  f64Const(v: number): this {
    f64Scratch[0] = v;
    return this.emit([0x44, ...bytesOf(f64Scratch)], `f64.const ${numberText(v)}`);
  }

  /** A v128 constant from four float32 lanes. */
  f32x4Const(lanes: readonly number[]): this {
    const a = new Float32Array(4);
    for (let i = 0; i < 4; i++) a[i] = lanes[i % lanes.length]!;
    return this.emit([0xfd, ...uleb(0x0c), ...bytesOf(a)], `v128.const f32x4 ${Array.from(a, numberText).join(' ')}`);
  }

  /** A v128 constant from four int32 lanes. */
  i32x4Const(lanes: readonly number[]): this {
    const a = new Int32Array(4);
    for (let i = 0; i < 4; i++) a[i] = lanes[i % lanes.length]!;
    return this.emit([0xfd, ...uleb(0x0c), ...Array.from(new Uint8Array(a.buffer))], `v128.const i32x4 ${Array.from(a).join(' ')}`);
  }

  get(l: Local): this {
    return this.emit([0x20, ...uleb(l.index)], `local.get $${l.name}`);
  }

  set(l: Local): this {
    return this.emit([0x21, ...uleb(l.index)], `local.set $${l.name}`);
  }

  tee(l: Local): this {
    return this.emit([0x22, ...uleb(l.index)], `local.tee $${l.name}`);
  }

  /** A load or store with a constant byte offset. */
  mem(op: MemoryOp, offset = 0): this {
    const [code, align] = MEMORY[op];
    return this.emit([...code, ...uleb(align), ...uleb(offset)], offset ? `${op} offset=${offset}` : op);
  }

  lane(op: LaneOp, lane: number): this {
    return this.emit([0xfd, ...uleb(LANE[op]), lane], `${op} ${lane}`);
  }

  memLane(op: MemoryLaneOp, offset: number, lane: number): this {
    return this.emit([0xfd, ...uleb(MEMORY_LANE[op]), 2, ...uleb(offset), lane], `${op} offset=${offset} ${lane}`);
  }

  /** i8x16.shuffle of two vectors by 16 byte indices. */
  shuffle(bytes: readonly number[]): this {
    return this.emit([0xfd, ...uleb(0x0d), ...bytes], `i8x16.shuffle ${bytes.join(' ')}`);
  }

  /** i8x16.shuffle by 32-bit lanes (each index 0-7 picks a lane of the first or second vector). */
  shuffle32(lanes: readonly number[]): this {
    return this.shuffle(lanes.flatMap((l) => [l * 4, l * 4 + 1, l * 4 + 2, l * 4 + 3]));
  }

  call(index: number, name: string): this {
    return this.emit([0x10, ...uleb(index)], `call $${name}`);
  }

  private open(kind: Label['kind'], opcode: number, type: ValType | null, name: string): Label {
    const label = { kind, name: `${name}${this.labels.length}` };
    this.emit([opcode, type ? VALTYPE[type] : 0x40], `${kind} $${label.name}${type ? ` (result ${type})` : ''}`);
    this.labels.push(label);
    return label;
  }

  block(name = 'b', type: ValType | null = null): Label {
    return this.open('block', 0x02, type, name);
  }

  loop(name = 'l'): Label {
    return this.open('loop', 0x03, null, name);
  }

  if(type: ValType | null = null, name = 'if'): Label {
    return this.open('if', 0x04, type, name);
  }

  else(): this {
    this.labels.pop();
    this.emit([0x05], 'else');
    this.labels.push({ kind: 'if', name: 'else' });
    return this;
  }

  end(): this {
    if (!this.labels.pop()) throw new Error('kiln wasm: end without an open block');
    return this.emit([0x0b], 'end');
  }

  private depthOf(label: Label): number {
    const i = this.labels.lastIndexOf(label);
    if (i < 0) throw new Error(`kiln wasm: branch to a closed label $${label.name}`);
    return this.labels.length - 1 - i;
  }

  br(label: Label): this {
    return this.emit([0x0c, ...uleb(this.depthOf(label))], `br $${label.name}`);
  }

  brIf(label: Label): this {
    return this.emit([0x0d, ...uleb(this.depthOf(label))], `br_if $${label.name}`);
  }

  /** The function body: local declarations (grouped in runs of one type) and code. */
  body(): number[] {
    if (this.labels.length) throw new Error(`kiln wasm: ${this.name} has ${this.labels.length} unclosed blocks`);
    const runs: [number, ValType][] = [];
    for (const l of this.localList) {
      const last = runs[runs.length - 1];
      if (last && last[1] === l.type) last[0]++;
      else runs.push([1, l.type]);
    }
    const bytes = [...uleb(runs.length), ...runs.flatMap(([n, t]) => [...uleb(n), VALTYPE[t]]), ...this.code, 0x0b];
    return [...uleb(bytes.length), ...bytes];
  }

  listing(): string {
    const sig = [...this.params.map((p) => `(param $${p.name} ${p.type})`), ...this.results.map((r) => `(result ${r})`)].join(' ');
    const locals = this.localList.map((l) => `  (local $${l.name} ${l.type})`);
    return [`(func $${this.name} ${sig}`, ...locals, ...this.lines, ')'].join('\n');
  }

  signature(): { params: ValType[]; results: ValType[] } {
    return { params: this.params.map((p) => p.type), results: [...this.results] };
  }
}

interface FuncImport { module: string; name: string; params: ValType[]; results: ValType[] }

export class ModuleBuilder {
  private readonly types: string[] = [];
  private readonly typeBytes: number[][] = [];
  private readonly imports: FuncImport[] = [];
  private readonly funcs: { f: FuncBuilder; exportName?: string }[] = [];
  private memory: { shared: boolean; min: number; max: number } | null = null;

  /** The memory every kernel works in, imported as env.memory. */
  importMemory(shared: boolean, minPages: number, maxPages: number): void {
    this.memory = { shared, min: minPages, max: maxPages };
  }

  /** Imports a host function; returns its function index. */
  importFunc(module: string, name: string, params: ValType[], results: ValType[]): number {
    if (this.funcs.length) throw new Error('kiln wasm: imports come before defined functions');
    this.imports.push({ module, name, params, results });
    return this.imports.length - 1;
  }

  /** Adds a function; returns its index. */
  addFunc(f: FuncBuilder, exportName?: string): number {
    this.funcs.push({ f, exportName });
    return this.imports.length + this.funcs.length - 1;
  }

  private typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}->${results.join(',')}`;
    let i = this.types.indexOf(key);
    if (i < 0) {
      i = this.types.length;
      this.types.push(key);
      this.typeBytes.push([0x60, ...vec(params.map((p) => [VALTYPE[p]])), ...vec(results.map((r) => [VALTYPE[r]]))]);
    }
    return i;
  }

  encode(): Uint8Array<ArrayBuffer> {
    const importTypes = this.imports.map((im) => this.typeIndex(im.params, im.results));
    const funcTypes = this.funcs.map(({ f }) => { const s = f.signature(); return this.typeIndex(s.params, s.results); });
    const importEntries: number[][] = this.imports.map((im, i) => [...str(im.module), ...str(im.name), 0x00, ...uleb(importTypes[i]!)]);
    if (this.memory) {
      const m = this.memory;
      importEntries.push([...str('env'), ...str('memory'), 0x02, m.shared ? 0x03 : 0x01, ...uleb(m.min), ...uleb(m.max)]);
    }
    const exports = this.funcs.flatMap(({ exportName }, i) => (exportName ? [[...str(exportName), 0x00, ...uleb(this.imports.length + i)]] : []));
    const out = [
      0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
      ...section(1, vec(this.typeBytes)),
      ...section(2, vec(importEntries)),
      ...section(3, vec(funcTypes.map((t) => uleb(t)))),
      ...section(7, vec(exports)),
      ...section(10, vec(this.funcs.map(({ f }) => f.body()))),
    ];
    return new Uint8Array(out);
  }

  listing(): string {
    const lines = ['(module'];
    for (const im of this.imports) lines.push(`  (import "${im.module}" "${im.name}" (func (param ${im.params.join(' ')}) (result ${im.results.join(' ')})))`);
    if (this.memory) lines.push(`  (import "env" "memory" (memory ${this.memory.min} ${this.memory.max}${this.memory.shared ? ' shared' : ''}))`);
    for (const { f, exportName } of this.funcs) {
      if (exportName) lines.push(`  (export "${exportName}" (func $${f.name}))`);
      lines.push(f.listing().split('\n').map((l) => `  ${l}`).join('\n'));
    }
    lines.push(')');
    return lines.join('\n');
  }
}

function vec(items: readonly (readonly number[])[]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

function str(s: string): number[] {
  const bytes = Array.from(new TextEncoder().encode(s));
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}
