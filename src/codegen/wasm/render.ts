import type { Kernel } from '../kernel.js';
import type { FuncBuilder } from './assembler.js';
import { wrapModule } from './frame.js';
import { renderMap } from './map.js';
import { matchWindowProduct, renderWindowProduct } from './conv.js';
import { matchMatmul, renderMatmul } from './matmul.js';
import { normalizeKernel } from './normalize.js';
import { PARTIAL_SLOT, renderReduce } from './reduce.js';
import { singleSumAsMap } from './single-sum.js';

/** Reductions to at most this many outputs, over at least this many elements each, can split their reduced dim across threads. */
const MAX_SPLIT_OUTPUTS = 256;
const MIN_SPLIT_INNER = 4096;

/**
 * The `wasm` renderer: a kernel becomes a WebAssembly module (bytes written directly, with a
 * WAT-like listing) exporting `run(in.., out.., rs, re, cs, ce, scratch)`, plus how its work
 * splits across threads: rows [0, rows) of the outer dimensions and columns [0, cols) of the
 * last, in multiples of `colAlign`.
 */
export interface WasmKernel {
  readonly name: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The module as text, headed by a line naming the kernel. */
  readonly listing: string;
  readonly rows: number;
  readonly cols: number;
  readonly colAlign: number;
  /** Rough cost in simple operations (elements × ops per element), to decide whether threads pay. */
  readonly work: number;
  /** Split columns rather than rows among threads when both can (a matmul with fewer rows than columns packs less of B per thread). */
  readonly preferCols: boolean;
  /** Bytes of scratch each thread needs. */
  readonly scratchBytes: number;
  /** Nothing to compute (an empty output). */
  readonly empty: boolean;
  /**
   * A reduction with few outputs also exports `partial` and `finish`: threads fold slices of
   * the first reduced dim (of this extent) into `slotBytes` per output, then one thread combines.
   * A window product with long k and few outputs splits its blocks of k so whenever threads run
   * (`preferred`; its float32 sums then associate by thread count).
   */
  readonly split: { readonly extent: number; readonly slotBytes: number; readonly preferred?: boolean } | null;
}

export interface WasmRenderOptions {
  /** Whether the memory is a shared (threaded) one; the import's type must match. */
  readonly shared: boolean;
}

export function renderWasm(kernel: Kernel, options: WasmRenderOptions): WasmKernel {
  const normalized = normalizeKernel(kernel);
  const k = singleSumAsMap(normalized) ?? normalized;
  const outSize = kernel.outputs[0]?.size ?? 0;
  const shape = k.domain.length ? k.domain : [1];
  let f: FuncBuilder;
  const extra: FuncBuilder[] = [];
  let split: WasmKernel['split'] = null;
  let how: string;
  let rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  let cols = shape[shape.length - 1]!;
  let colAlign = 4;
  let work = outSize;
  let scratchBytes = 0;
  let preferCols = false;
  if (k.kind === 'map') {
    const m = renderMap(k);
    f = m.f;
    work = outSize * m.cost;
    how = `${k === normalized ? 'map' : 'map of a one-element sum'}, ${m.vectorized ? '4 lanes' : 'scalar'}`;
  } else {
    const inner = k.inner.reduce((a, b) => a * b, 1);
    work = outSize * Math.max(inner, 1);
    const mm = k.op === 'sum' ? matchMatmul(k) : null;
    const wp = mm || k.op !== 'sum' ? null : matchWindowProduct(k);
    if (wp) {
      const w = renderWindowProduct(k, wp);
      f = w.funcs[0]!;
      extra.push(...w.funcs.slice(1));
      split = w.split;
      rows = w.rows;
      cols = w.cols;
      colAlign = w.colAlign;
      scratchBytes = w.scratchBytes;
      preferCols = w.preferCols;
      how = `window product ${w.describe}`;
    } else if (mm) {
      const m = renderMatmul(k, mm);
      f = m.f;
      rows = m.rows;
      cols = m.cols;
      colAlign = m.colAlign;
      scratchBytes = m.scratchBytes;
      preferCols = mm.m * mm.batch.reduce((a, b) => a * b, 1) < mm.n;
      how = `matmul ${m.describe}`;
    } else {
      const r = renderReduce(k);
      f = r.f;
      work = outSize * Math.max(inner, 1) * r.cost;
      if (outSize <= MAX_SPLIT_OUTPUTS && inner >= MIN_SPLIT_INNER && k.inner[0]! >= 2) {
        extra.push(renderReduce(k, 'partial').f, renderReduce(k, 'finish').f);
        split = { extent: k.inner[0]!, slotBytes: outSize * PARTIAL_SLOT };
      }
      how = `reduce ${k.op}, ${r.mode === 'none' ? 'scalar' : r.mode === 'inner' ? '4 lanes along the reduced dim' : r.blockWidth > 4 ? `${r.blockWidth} outputs at a time (column blocks)` : '4 outputs at a time'}`;
      if (r.mode !== 'outer') colAlign = 1;
      // Whole blocks per thread where there are columns enough for many threads; else groups of four.
      else if (cols >= 8 * r.blockWidth) colAlign = r.blockWidth;
    }
  }
  const header = `${kernel.name}: ${kernel.kind} over [${kernel.domain.join(', ')}]${kernel.kind === 'reduce' ? ` ${kernel.op} over [${kernel.inner.join(', ')}]` : ''}; ${how}; rows ${rows} × cols ${cols}`;
  const { bytes, listing } = wrapModule([f, ...extra], options.shared, header);
  return { name: kernel.name, bytes, listing, rows, cols, colAlign, work, preferCols, scratchBytes, empty: outSize === 0, split };
}
