import type { Expr } from '../../ir/index.js';
import type { ReduceKernel } from '../kernel.js';
import type { FuncBuilder } from './assembler.js';
import { WindowEpilogue } from './conv-epilogue.js';
import { dimsOf, type Locals, type Scratch, type WindowProductPlan } from './conv-frame.js';
import { PanelGather } from './conv-gather.js';
import { decompose, forLoop, kernelFrame } from './frame.js';
import { matmulMicroKernel, MR, NR } from './microkernel.js';

export type { WindowProductPlan } from './conv-frame.js';

/** Benchmarks (bench/wasm-peak.ts) turn the template off to time the generic reduction beside it. */
export const windowProductTemplate = { enabled: true };

/** Below this many multiply-adds the generic reduction is as fast, and more accurate. */
const MIN_WORK = 1 << 17;
/**
 * K up to MAX_K is one block; longer K is walked in blocks of at most KC (see kBlocks). Columns
 * per block: at most NC_MAX, fewer where a block of packed B would pass B_BYTES (to stay in L2).
 * Row panels per block when K is blocked: MCP.
 */
const MAX_K = 1024;
const KC = 768;
const NC_MAX = 256;
const B_BYTES = 1 << 18;
const MCP = 16;

const zero: Expr = { k: 'const', value: 0, dtype: 'float32' };
const masked = (c: Expr, v: Expr): Expr => ({ k: 'alu', op: 'where', args: [c, v, zero], dtype: 'float32' });

/**
 * Window products — conv2d, conv2dBackpropFilter and conv2dBackpropInput, padded or not, strided,
 * dilated — as implicit matrix products: a float32 sum over inner dims of A·B (under bounds
 * masks), where A (with the masks) does not move with the last output dim j and B moves with no
 * other output dim. With rows the other output dims flattened (M) and k the inner dims flattened
 * (K), 4-row panels of A are gathered into scratch by evaluating the factor, masks and all, in a
 * loop nest over the inner dims (so a window row's bounds test hoists out of its taps), 8-column
 * panels of B likewise (plain vector copies when B is contiguous along j), and the matmul's 4×8
 * micro-kernel runs over them. K up to MAX_K is one block and the epilogue runs on the registers;
 * longer K (the filter gradient sums over batch × image) runs in blocks whose partial sums
 * collect in scratch for a block of rows. Threads split the row panels, or the columns when rows
 * are few, or, for long K and few outputs, the blocks of K (`partial` sums per thread, `finish`).
 */
export function matchWindowProduct(kernel: ReduceKernel): WindowProductPlan | null {
  const r = kernel.domain.length, q = kernel.inner.length;
  if (!windowProductTemplate.enabled || kernel.op !== 'sum' || r < 2 || q < 1 || kernel.outputs.length !== 1 || kernel.outputs[0]!.dtype !== 'float32') return null;
  if (kernel.domain.some((d) => d === 0) || kernel.inner.some((d) => d === 0)) return null;
  let e = kernel.body;
  const masks: Expr[] = [];
  while (e.k === 'alu' && e.op === 'where' && e.dtype === 'float32') {
    const [c, v, z] = e.args as [Expr, Expr, Expr];
    if (z.k !== 'const' || z.value !== 0) return null;
    masks.push(c);
    e = v;
  }
  if (e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const j = r - 1;
  const usesRow = (x: Expr) => [...dimsOf(x)].some((d) => d < j);
  const usesJ = (x: Expr) => dimsOf(x).has(j);
  let [a, b] = e.args as [Expr, Expr];
  if (usesJ(a)) [a, b] = [b, a];
  if (usesJ(a) || usesRow(b) || !usesRow(a) || !usesJ(b)) return null;
  for (const c of masks) {
    if (!usesJ(c)) a = masked(c, a);
    else if (!usesRow(c)) b = masked(c, b);
    else return null;
  }
  const rowShape = kernel.domain.slice(0, j);
  const m = rowShape.reduce((x, d) => x * d, 1), n = kernel.domain[j]!, k = kernel.inner.reduce((x, d) => x * d, 1);
  if (n < 4 || m * n * k < MIN_WORK) return null;
  return { a, b, rowShape, m, n, k };
}

/** Long k with few outputs: threads split the blocks of k, each summing into a slot of its own, then one thread adds the slots. */
const SPLIT_MAX_OUTPUTS = 4096;
const SPLIT_MIN_BLOCKS = 16;

export interface WindowProductRender {
  /** `run`, and for a split, `partial` and `finish` (see WasmKernel.split). */
  readonly funcs: FuncBuilder[];
  readonly rows: number; readonly cols: number; readonly colAlign: number; readonly scratchBytes: number; readonly preferCols: boolean;
  readonly split: { readonly extent: number; readonly slotBytes: number; readonly preferred: boolean } | null;
  readonly describe: string;
}

type Variant = 'run' | 'partial' | 'finish';

export function renderWindowProduct(kernel: ReduceKernel, plan: WindowProductPlan): WindowProductRender {
  const { m, n, k, rowShape } = plan;
  const kb = kBlocks(kernel.inner, k);
  const blocked = kb.count > 1;
  const kc = kb.units * kb.per;
  const kcMax = kc + (kc & 1);
  const nc = Math.max(NR, Math.min(Math.ceil(n / NR) * NR, NC_MAX, Math.floor(B_BYTES / (kcMax * 4 * NR)) * NR));
  const mp = Math.ceil(m / MR);
  const npad = Math.ceil(n / NR) * NR;
  const sizes: Sizes = { kb, kcMax, nc, npad, bBytes: kcMax * nc * 4, aBytes: kcMax * MR * 4, tileBytes: MR * NR * 4, cBytes: blocked ? MCP * MR * nc * 4 : 0 };
  const split = blocked && m * n <= SPLIT_MAX_OUTPUTS && kb.count >= SPLIT_MIN_BLOCKS;
  const work = sizes.bBytes + sizes.aBytes + sizes.tileBytes + sizes.cBytes;
  const funcs = [renderVariant(kernel, plan, sizes, 'run'), ...(split ? [renderVariant(kernel, plan, sizes, 'partial'), renderVariant(kernel, plan, sizes, 'finish')] : [])];
  return {
    funcs, rows: mp, cols: n, colAlign: NR, scratchBytes: work, preferCols: mp <= Math.ceil(n / NR),
    split: split ? { extent: kb.count, slotBytes: work + mp * MR * npad * 4, preferred: true } : null,
    describe: `${m}×${n}×${k} (rows [${rowShape.join(', ')}], k [${kernel.inner.join(', ')}]), gathered panels, ${MR}×${NR} micro-kernel` +
      `${blocked ? `, k in ${kb.count} blocks of ≤ ${kc}` : ''}, ${nc}-column blocks${split ? ', threads split k' : ''}`,
  };
}

/**
 * How K is walked: in blocks made of whole rows of the inner dims after `first` (`per` elements
 * each), `units` of dim `first` at a time (`chunks` blocks along it), with the dims before it
 * fixed; so each block is a box that a loop nest walks (what depends on the outer loops hoists).
 */
interface KBlocks { readonly first: number; readonly units: number; readonly chunks: number; readonly per: number; readonly count: number }

function kBlocks(inner: readonly number[], k: number): KBlocks {
  if (k <= MAX_K) return { first: 0, units: inner[0]!, chunks: 1, per: k / inner[0]!, count: 1 };
  let first = inner.length - 1, per = 1;
  while (first > 0 && per * inner[first]! <= KC) per *= inner[first--]!;
  const chunks = Math.ceil(inner[first]! / Math.max(1, Math.floor(KC / per)));
  const units = Math.ceil(inner[first]! / chunks);
  return { first, units, chunks, per, count: inner.slice(0, first).reduce((a, b) => a * b, 1) * chunks };
}

interface Sizes { kb: KBlocks; kcMax: number; nc: number; npad: number; bBytes: number; aBytes: number; tileBytes: number; cBytes: number }

/**
 * `run` computes rows panels [rs, re) × columns [cs, ce). `partial` sums the blocks of k
 * [rs, re) for every output into the slot after its work area (rows of npad floats); `finish`
 * adds the `rs` slots found every `re` bytes from `scratch` and applies the epilogue.
 */
function renderVariant(kernel: ReduceKernel, plan: WindowProductPlan, z: Sizes, variant: Variant): FuncBuilder {
  const { m, n, rowShape } = plan;
  const { kb, kcMax, nc, npad, bBytes, aBytes, tileBytes, cBytes } = z;
  const blocked = kb.count > 1;
  const mp = Math.ceil(m / MR);
  const frame = kernelFrame(kernel, variant);
  const f = frame.f;
  const L = (name: string) => f.local('i32', name);
  const jc = L('jc'), ncl = L('ncl'), p = L('p'), pb = L('pb'), pe = L('pe'), pc = L('blk'), kcl = L('kcl'), kcp = L('kcp'), ue = L('uend'), chunk = L('chunk');
  const jr = L('jr'), kk = L('kk'), t = L('t'), i0 = L('i0'), row = L('row'), col = L('col'), c = L('c'), tmp = L('tmp'), at = L('at');
  const rowCoords = rowShape.map((_, d) => L(`r${d}`));
  const innerCoords = kernel.inner.map((_, d) => L(`k${d}`));
  const innerStart = kernel.inner.map((_, d) => L(`ks${d}`));
  const slot = bBytes + aBytes + tileBytes + cBytes;
  const s: Scratch = {
    b: () => f.get(frame.scratch),
    a: () => f.get(frame.scratch).i32Const(bBytes).op('i32.add'),
    tile: () => f.get(frame.scratch).i32Const(bBytes + aBytes).op('i32.add'),
    c: () => f.get(frame.scratch).i32Const(bBytes + aBytes + tileBytes).op('i32.add'),
  };
  const min = (x: () => void, y: () => void) => { x(); y(); x(); y(); f.op('i32.lt_s').op('select'); };
  const o: Locals = { jc, ncl, pc, kcl, kcp, kk, t, i0, row, col, c, tmp, at, src: L('src'), dst: L('dst'), ue, rowCoords, innerCoords, innerStart };
  const epilogue = new WindowEpilogue(kernel, plan, f, frame.inputs, frame.outputs[0]!, o, s);
  if (variant === 'finish') {
    epilogue.fromSlots({ parts: frame.rs, stride: frame.re, base: frame.scratch, offset: slot, npad });
    return f;
  }

  const packs = new PanelGather(kernel, plan, f, frame.inputs, o, s, kb.first);
  const micro = () => matmulMicroKernel(f, { ap: s.a, bp: () => { s.b(); f.get(jr).get(kcp).op('i32.mul').i32Const(2).op('i32.shl').op('i32.add'); }, kp: kcp });
  const partial = variant === 'partial';
  // partial: every row and column, the blocks of k [rs, re); run: its rows and columns, all of k
  const cols = partial ? { from: () => f.i32Const(0), to: () => f.i32Const(n) } : { from: () => f.get(frame.cs), to: () => f.get(frame.ce) };
  const rows = partial ? { from: () => f.i32Const(0), to: () => f.i32Const(mp) } : { from: () => f.get(frame.rs), to: () => f.get(frame.re) };
  // blocks of k [rs, re) in a partial, all of them in a run
  const kFrom = partial ? () => f.get(frame.rs) : () => f.i32Const(0);
  const kTo = partial ? () => f.get(frame.re) : () => f.i32Const(kb.count);

  forLoop(f, jc, cols.from, () => { f.get(jc); cols.to(); f.op('i32.lt_s'); }, nc, () => {
    min(() => f.i32Const(nc), () => { cols.to(); f.get(jc).op('i32.sub'); });
    f.set(ncl);
    if (!blocked) {
      f.i32Const(plan.k).set(kcl).i32Const(kcMax).set(kcp).i32Const(kernel.inner[0]!).set(ue);
      for (const l of innerStart) f.i32Const(0).set(l);
      packs.packB();
      forLoop(f, p, rows.from, () => { f.get(p); rows.to(); f.op('i32.lt_s'); }, 1, () => {
        f.get(p).i32Const(MR).op('i32.mul').set(i0);
        packs.packA();
        forLoop(f, jr, () => f.i32Const(0), () => f.get(jr).get(ncl).op('i32.lt_s'), NR, () => epilogue.fromRegisters(micro(), jr));
      });
      return;
    }
    forLoop(f, pb, rows.from, () => { f.get(pb); rows.to(); f.op('i32.lt_s'); }, MCP, () => {
      min(() => f.get(pb).i32Const(MCP).op('i32.add'), rows.to);
      f.set(pe);
      forLoop(f, pc, kFrom, () => { f.get(pc); kTo(); f.op('i32.lt_s'); }, 1, () => {
        // block pc: the dims before `first` and a chunk of `first`, which runs [start, ue)
        const fixed = [...innerStart.slice(0, kb.first), chunk];
        decompose(f, () => f.get(pc), [...kernel.inner.slice(0, kb.first), kb.chunks], fixed, tmp);
        f.get(chunk).i32Const(kb.units).op('i32.mul').set(innerStart[kb.first]!);
        for (const l of innerStart.slice(kb.first + 1)) f.i32Const(0).set(l);
        min(() => f.get(innerStart[kb.first]!).i32Const(kb.units).op('i32.add'), () => f.i32Const(kernel.inner[kb.first]!));
        f.tee(ue).get(innerStart[kb.first]!).op('i32.sub').i32Const(kb.per).op('i32.mul');
        f.tee(kcl).get(kcl).i32Const(1).op('i32.and').op('i32.add').set(kcp);
        packs.packB();
        forLoop(f, p, () => f.get(pb), () => f.get(p).get(pe).op('i32.lt_s'), 1, () => {
          f.get(p).i32Const(MR).op('i32.mul').set(i0);
          packs.packA();
          forLoop(f, jr, () => f.i32Const(0), () => f.get(jr).get(ncl).op('i32.lt_s'), NR, () => {
            const acc = micro();
            // sums of rows p·MR.. and columns jc + jr..: in the block's buffer (rows of nc) or the slot (rows of npad)
            const stride = partial ? npad : nc;
            if (partial) {
              f.get(frame.scratch).i32Const(slot).op('i32.add');
              f.get(i0).i32Const(npad).op('i32.mul').get(jc).op('i32.add').get(jr).op('i32.add').i32Const(2).op('i32.shl').op('i32.add').set(at);
            } else {
              s.c();
              f.get(p).get(pb).op('i32.sub').i32Const(MR * nc * 4).op('i32.mul').op('i32.add').get(jr).i32Const(2).op('i32.shl').op('i32.add').set(at);
            }
            f.get(pc);
            kFrom();
            f.op('i32.eq');
            f.if();
            acc.forEach((v, i) => f.get(at).get(v).mem('v128.store', Math.floor(i / 2) * stride * 4 + (i % 2) * 16));
            f.else();
            acc.forEach((v, i) => {
              const off = Math.floor(i / 2) * stride * 4 + (i % 2) * 16;
              f.get(at).get(at).mem('v128.load', off).get(v).op('f32x4.add').mem('v128.store', off);
            });
            f.end();
          });
        });
      });
      if (!partial) epilogue.fromBlock(pb, pe, nc);
    });
  });
  return f;
}
