import type { Expr } from '../../ir/index.js';
import { toAffine, type Affine } from '../affine.js';
import type { ReduceKernel } from '../kernel.js';
import type { FuncBuilder, Local } from './assembler.js';
import { Dag } from './dag.js';
import { ExprEmitter } from './emit.js';
import { elementAddress, forLoop, kernelFrame, storeScalar, storeVector } from './frame.js';
import { packA, packB, packLocals } from './pack.js';
import { matmulMicroKernel, MR, NR, storeTile } from './microkernel.js';

/**
 * Matrix products (a float32 sum over one inner dim of load(A)·load(B) with affine indices)
 * with a register-blocked, cache-blocked template: for each block of NC columns, B's block is
 * packed into panels of 8 columns (k-major), each 4-row panel of A is packed (k-major), and a
 * ${MR}×${NR} micro-kernel keeps the 4×8 results in eight f32x4 registers across all of K. The epilogue
 * (bias, activation) runs on each finished tile, four lanes at a time where the tile is whole.
 * Threads split the 4-row panels (over all batches), or the columns when there are few rows.
 * Small products go to the generic reduction instead, which accumulates in float64 like cpu.
 */
export interface MatmulPlan {
  readonly a: { readonly input: number; readonly affine: Affine };
  readonly b: { readonly input: number; readonly affine: Affine };
  readonly batch: readonly number[];
  readonly m: number;
  readonly n: number;
  readonly k: number;
}

/** Below this many multiply-adds the generic reduction is as fast, and more accurate. */
const MIN_WORK = 1 << 17;
/** Bytes of packed B kept per column block (fits the L2 cache with room to spare). */
const BLOCK_BYTES = 1 << 20;

export function matchMatmul(kernel: ReduceKernel): MatmulPlan | null {
  const e = kernel.body;
  const r = kernel.domain.length;
  if (kernel.op !== 'sum' || kernel.inner.length !== 1 || r < 2 || e.k !== 'alu' || e.op !== 'mul' || e.dtype !== 'float32') return null;
  const [x, y] = e.args as [Expr, Expr];
  if (x.k !== 'load' || y.k !== 'load') return null;
  const ax = toAffine(x.at, r + 1);
  const ay = toAffine(y.at, r + 1);
  if (!ax || !ay) return null;
  const i = r - 2, j = r - 1;
  let a: MatmulPlan['a'], b: MatmulPlan['b'];
  if (ax.coef[j] === 0 && ay.coef[i] === 0) { a = { input: x.input, affine: ax }; b = { input: y.input, affine: ay }; } else if (ay.coef[j] === 0 && ax.coef[i] === 0) {
    a = { input: y.input, affine: ay }; b = { input: x.input, affine: ax };
  } else return null;
  const m = kernel.domain[i]!, n = kernel.domain[j]!, k = kernel.inner[0]!;
  const batch = kernel.domain.slice(0, i);
  if (m < 2 || n < 4 || k < 1 || batch.reduce((p, d) => p * d, 1) * m * n * k < MIN_WORK) return null;
  return { a, b, batch, m, n, k };
}

export function renderMatmul(kernel: ReduceKernel, plan: MatmulPlan): {
  f: FuncBuilder; rows: number; cols: number; colAlign: number; scratchBytes: number; describe: string;
} {
  const { m, n, k, batch } = plan;
  const r = kernel.domain.length;
  const kp = k + (k & 1);
  const mp = Math.ceil(m / MR);
  const nc = Math.max(NR, Math.min(Math.ceil(n / NR) * NR, Math.floor(BLOCK_BYTES / (kp * 4) / NR) * NR));
  const bBytes = kp * nc * 4, aBytes = kp * MR * 4;
  const frame = kernelFrame(kernel);
  const f = frame.f;
  const A = frame.inputs[plan.a.input]!, B = frame.inputs[plan.b.input]!, out = frame.outputs[0]!;
  const ai = plan.a.affine.coef[r - 2]!, ak = plan.a.affine.coef[r]!;
  const bj = plan.b.affine.coef[r - 1]!, bk = plan.b.affine.coef[r]!;
  const L = (name: string) => f.local('i32', name);
  const jc = L('jc'), ncl = L('nc'), p = L('p'), b = L('b'), i0 = L('i0'), packed = L('packed'), jr = L('jr');
  const aBase = L('abase'), bBase = L('bbase'), panel = L('panel');
  const pl = packLocals(f);
  const { t, kk, flag } = pl;
  const iLocal = L('i'), jLocal = L('j');
  const coords = batch.map((_, d) => L(`c${d}`));
  const bp = frame.scratch;
  const apOf = () => f.get(frame.scratch).i32Const(bBytes).op('i32.add');
  const tileOf = () => f.get(frame.scratch).i32Const(bBytes + aBytes).op('i32.add');

  forLoop(f, jc, () => f.get(frame.cs), () => f.get(jc).get(frame.ce).op('i32.lt_s'), nc, () => {
    f.get(frame.ce).get(jc).op('i32.sub').set(ncl);
    f.i32Const(nc).get(ncl).get(ncl).i32Const(nc).op('i32.gt_s').op('select').set(ncl);
    f.i32Const(-1).set(packed);
    forLoop(f, p, () => f.get(frame.rs), () => f.get(p).get(frame.re).op('i32.lt_s'), 1, () => {
      f.get(p).i32Const(mp).op('i32.div_u').set(b);
      f.get(p).i32Const(mp).op('i32.rem_u').i32Const(MR).op('i32.mul').set(i0);
      f.get(b).get(packed).op('i32.ne');
      f.if();
      batchBases(f, plan, batch, coords, b, t, aBase, bBase);
      f.comment('pack B[:, jc:jc+nc] into panels of 8 columns, k-major, zero-padded');
      packB(f, { B, bp, bj, bk, k, kp, jc, ncl, bBase }, pl, panel);
      f.get(b).set(packed);
      f.end();
      f.comment('pack A[i0:i0+4, :] k-major, zero-padded');
      packA(f, { A, ap: apOf, ai, ak, k, kp, m, i0, aBase }, pl);
      forLoop(f, jr, () => f.i32Const(0), () => f.get(jr).get(ncl).op('i32.lt_s'), NR, () => {
        const acc = matmulMicroKernel(f, { ap: apOf, bp: () => f.get(bp).get(jr).i32Const(kp * 4).op('i32.mul').op('i32.add'), kp });
        writeTile(kernel, f, frame.inputs, out, { coords, iLocal, jLocal, i0, jc, jr, ncl, b, m, n, tile: tileOf, t, kk, flag, acc });
      });
    });
  });
  return {
    f, rows: batch.reduce((x, d) => x * d, 1) * mp, cols: n, colAlign: NR,
    scratchBytes: bBytes + aBytes + MR * NR * 4,
    describe: `${m}×${n}×${k}${batch.length ? ` batch [${batch.join(', ')}]` : ''}, ${MR}×${NR} micro-kernel, ${nc}-column blocks`,
  };
}

/** Batch coordinates of flat batch `b`, and A's and B's element offsets for that batch. */
function batchBases(f: FuncBuilder, plan: MatmulPlan, batch: readonly number[], coords: readonly Local[], b: Local, t: Local, aBase: Local, bBase: Local): void {
  f.get(b).set(t);
  for (let d = batch.length - 1; d >= 0; d--) {
    f.get(t).i32Const(batch[d]!).op('i32.rem_u').set(coords[d]!);
    f.get(t).i32Const(batch[d]!).op('i32.div_u').set(t);
  }
  for (const [x, base] of [[plan.a.affine, aBase], [plan.b.affine, bBase]] as const) {
    f.i32Const(x.base);
    batch.forEach((_, d) => { if (x.coef[d]) f.get(coords[d]!).i32Const(x.coef[d]!).op('i32.mul').op('i32.add'); });
    f.set(base);
  }
}

interface Tile {
  coords: readonly Local[]; iLocal: Local; jLocal: Local; i0: Local; jc: Local; jr: Local; ncl: Local; b: Local;
  m: number; n: number; tile: () => void; t: Local; kk: Local; flag: Local; acc: readonly Local[];
}

/** Epilogues up to this many DAG nodes are unrolled over the tile's registers; bigger ones loop over the tile in scratch. */
const UNROLL_EPILOGUE = 32;

/**
 * Applies the epilogue to the finished tile and stores it: whole tiles four lanes at a time
 * (straight from the accumulator registers when the epilogue is small), edge tiles element by
 * element from the tile stored in scratch.
 */
function writeTile(kernel: ReduceKernel, f: FuncBuilder, inputs: ExprEmitter['inputs'], out: ExprEmitter['inputs'][number], o: Tile): void {
  const r = kernel.domain.length;
  const dag = new Dag(r + 1);
  const root = dag.add(kernel.epilogue);
  dag.analyze([{ node: root, level: 0 }], Array.from({ length: r + 1 }, () => 0), 0, r - 1, true);
  const dims = [...o.coords, o.iLocal, o.jLocal, null];
  const accS = f.local('f32', 'accs'), accV = f.local('v128', 'accv');
  // out index = (b·M + i)·N + j
  const at = () => f.get(o.b).i32Const(o.m).op('i32.mul').get(o.iLocal).op('i32.add').i32Const(o.n).op('i32.mul').get(o.jLocal).op('i32.add');
  const tileAt = () => { o.tile(); f.get(o.t).i32Const(Math.log2(NR * 4)).op('i32.shl').op('i32.add').get(o.kk).i32Const(2).op('i32.shl').op('i32.add'); };
  // whole tile: i0 + MR <= M and jr + NR <= nc (a float64 epilogue, after `rand`, stays scalar)
  if (dag.usesF64) f.i32Const(0);
  else f.get(o.i0).i32Const(MR).op('i32.add').i32Const(o.m).op('i32.le_s').get(o.jr).i32Const(NR).op('i32.add').get(o.ncl).op('i32.le_s').op('i32.and');
  f.if();
  if (!dag.usesF64 && dag.nodes.length <= UNROLL_EPILOGUE) {
    const e = new ExprEmitter(f, dag, inputs, dims, r - 1);
    for (let row = 0; row < MR; row++) {
      f.get(o.i0).i32Const(row).op('i32.add').set(o.iLocal);
      for (let h = 0; h < NR / 4; h++) {
        f.get(o.jc).get(o.jr).op('i32.add').i32Const(h * 4).op('i32.add').set(o.jLocal);
        e.acc = { scalar: null, vector: o.acc[row * (NR / 4) + h]! };
        e.pushScope();
        elementAddress(f, out, at);
        e.vector(root);
        storeVector(f, out);
        e.popScope();
      }
    }
  } else if (!dag.usesF64) {
    storeTile(f, o.acc, o.tile);
    const e = new ExprEmitter(f, dag, inputs, dims, r - 1);
    e.acc = { scalar: null, vector: accV };
    forLoop(f, o.t, () => f.i32Const(0), () => f.get(o.t).i32Const(MR).op('i32.lt_s'), 1, () => {
      f.get(o.i0).get(o.t).op('i32.add').set(o.iLocal);
      forLoop(f, o.kk, () => f.i32Const(0), () => f.get(o.kk).i32Const(NR).op('i32.lt_s'), 4, () => {
        f.get(o.jc).get(o.jr).op('i32.add').get(o.kk).op('i32.add').set(o.jLocal);
        tileAt();
        f.mem('v128.load').set(accV);
        e.pushScope();
        elementAddress(f, out, at);
        e.vector(root);
        storeVector(f, out);
        e.popScope();
      });
    });
  }
  f.else();
  {
    storeTile(f, o.acc, o.tile);
    const e = new ExprEmitter(f, dag, inputs, dims, -1);
    e.acc = { scalar: accS, vector: null };
    forLoop(f, o.t, () => f.i32Const(0), () => f.get(o.t).i32Const(MR).op('i32.lt_s').get(o.i0).get(o.t).op('i32.add').i32Const(o.m).op('i32.lt_s').op('i32.and'), 1, () => {
      f.get(o.i0).get(o.t).op('i32.add').set(o.iLocal);
      forLoop(f, o.kk, () => f.i32Const(0), () => f.get(o.kk).i32Const(NR).op('i32.lt_s').get(o.jr).get(o.kk).op('i32.add').get(o.ncl).op('i32.lt_s').op('i32.and'), 1, () => {
        f.get(o.jc).get(o.jr).op('i32.add').get(o.kk).op('i32.add').set(o.jLocal);
        tileAt();
        f.mem('f32.load').set(accS);
        e.pushScope();
        elementAddress(f, out, at);
        e.scalarAs(root, out.dtype === 'float32' ? 'f32' : 'i32');
        storeScalar(f, out);
        e.popScope();
      });
    });
  }
  f.end();
}
