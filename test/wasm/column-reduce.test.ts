import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { evaluateGraph, Graph, type HostTensor, type Value } from '../../src/ir/index.js';
import { expectClose } from '../ops/close.js';
import { mulberry32 } from '../ops/reference-cases.js';
import { watchWasmKernels } from './kernel-watch.js';

/**
 * Reductions over an outer axis with contiguous outputs (a bias gradient: sum over [R, C] along
 * R) render in column blocks: several groups of four adjacent outputs per walk of the reduced
 * axis, then groups of four, then single outputs. Against the reference evaluator over column
 * counts around the block sizes, short and long reduced axes, fused producers and epilogues,
 * with threads on and off.
 */

const draw = (shape: readonly number[], seed: number): HostTensor => {
  const rand = mulberry32(seed);
  return { type: { shape: [...shape], dtype: 'float32' }, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).map(() => rand() * 2 - 1) };
};
const tensorOf = (h: HostTensor) => kiln.tensor(h.data as Float32Array, h.type.shape);
const scalar = (g: Graph, v: number) => g.constant({ type: { shape: [], dtype: 'float32' }, data: Float32Array.of(v) });

/** A reduction over axis 0 of x (and y, same shape): the kiln function and the same as a reference graph. */
interface Form {
  readonly note: string;
  readonly kiln: (x: kiln.Tensor, y: kiln.Tensor, rows: number) => kiln.Tensor;
  readonly graph: (g: Graph, x: Value, y: Value, rows: number) => Value;
}

const FORMS: Form[] = [
  { note: 'sum', kiln: (x) => kiln.sum(x, 0), graph: (g, x) => g.add('sum', [x], { axes: [0] }) },
  { note: 'max', kiln: (x) => kiln.max(x, 0), graph: (g, x) => g.add('max', [x], { axes: [0] }) },
  { note: 'min', kiln: (x) => kiln.min(x, 0), graph: (g, x) => g.add('min', [x], { axes: [0] }) },
  {
    note: 'mean (sum · 1/R epilogue)',
    kiln: (x, _y, rows) => kiln.sum(x, 0).mul(1 / rows),
    graph: (g, x, _y, rows) => g.add('mul', [g.add('sum', [x], { axes: [0] }), scalar(g, 1 / rows)]),
  },
  {
    note: 'sum(relu(x) · y) (fused producer)',
    kiln: (x, y) => kiln.sum(kiln.relu(x).mul(y), 0),
    graph: (g, x, y) => g.add('sum', [g.add('mul', [g.add('relu', [x]), y])], { axes: [0] }),
  },
  {
    note: 'sqrt(sum(x²) + 1) (producer and epilogue)',
    kiln: (x) => kiln.sqrt(kiln.sum(kiln.square(x), 0).add(1)),
    graph: (g, x) => g.add('sqrt', [g.add('add', [g.add('sum', [g.add('square', [x])], { axes: [0] }), scalar(g, 1)])]),
  },
  {
    note: 'int32 max of cast(x · 50)',
    kiln: (x) => kiln.max(kiln.cast(x.mul(50), 'int32'), 0),
    graph: (g, x) => g.add('max', [g.add('cast', [g.add('mul', [x, scalar(g, 50)])], { dtype: 'int32' })], { axes: [0] }),
  },
  {
    note: 'int32 sum of cast(x · 50)',
    kiln: (x) => kiln.sum(kiln.cast(x.mul(50), 'int32'), 0),
    graph: (g, x) => g.add('sum', [g.add('cast', [g.add('mul', [x, scalar(g, 50)])], { dtype: 'int32' })], { axes: [0] }),
  },
];

const COLS = [1, 3, 4, 5, 31, 32, 33, 100];
const ROWS = [9, 5000];

describe('wasm column reductions (reduced axis outer, outputs contiguous)', () => {
  const watch = watchWasmKernels();
  const headers = watch.headers;

  const cases = FORMS.flatMap((form) => ROWS.flatMap((rows) => COLS.map((cols) => [form.note, rows, cols, form] as const)));
  it.each(cases)('%s over [%i, %i]', (_note, rows, cols, form) => {
    const x = draw([rows, cols], rows + cols), y = draw([rows, cols], rows * cols + 1);
    const g = new Graph('ref');
    const [px, py] = [g.parameter(x.type), g.parameter(y.type)];
    g.outputs = [form.graph(g, px, py, rows)];
    const expected = evaluateGraph(g, [x, y])[0]!.data;
    const fn = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => form.kiln(a, b, rows));
    headers.length = 0;
    for (const threads of [false, true]) {
      watch.backend.useThreads = threads;
      const out = fn(tensorOf(x), tensorOf(y));
      expect(out.shape).toEqual([cols]);
      const bound = Array.from(expected).reduce((m, v) => Math.max(m, Math.abs(v)), 1);
      expectClose(out.dataSync(), expected, 1e-5, `${form.note} [${rows}, ${cols}], threads ${threads}`, 1e-6 * bound);
    }
    // Column blocks once there are two groups of four columns.
    if (cols >= 8) expect(headers.some((h) => h.includes('outputs at a time (column blocks)')), headers.join('\n')).toBe(true);
  });

  it('sums over two outer axes, [6, 900, 40] → [40]', () => {
    const x = draw([6, 900, 40], 11);
    const g = new Graph('ref');
    g.outputs = [g.add('sum', [g.parameter(x.type)], { axes: [0, 1] })];
    headers.length = 0;
    const out = kiln.compile((a: kiln.Tensor) => kiln.sum(a, [0, 1]))(tensorOf(x)).dataSync();
    expectClose(out, evaluateGraph(g, [x])[0]!.data, 1e-5, 'sum over [6, 900]', 1e-5);
    expect(headers.some((h) => h.includes('32 outputs at a time (column blocks)')), headers.join('\n')).toBe(true);
  });

  it('renders column blocks, in widths that fit each column count', () => {
    const width = (cols: number, rows = 50) => {
      headers.length = 0;
      kiln.compile((a: kiln.Tensor) => kiln.sum(kiln.relu(a), 0))(tensorOf(draw([rows, cols], cols))).dataSync();
      const h = headers.find((s) => s.includes('reduce sum'));
      expect(h, `[${rows}, ${cols}]`).toBeDefined();
      return /(\d+) outputs at a time/.exec(h!)?.[1] ?? 'scalar';
    };
    expect(width(3)).toBe('scalar');
    expect(width(4)).toBe('4');
    expect(width(5)).toBe('4');
    expect(width(8)).toBe('8');
    expect(width(31)).toBe('16');
    expect(width(32)).toBe('32');
    expect(width(100)).toBe('32');
    // a short walk (a pooling window) keeps groups of four
    expect(width(32, 4)).toBe('4');
  });

  it('a bias gradient over [86528, 32] splits its columns across threads and agrees with one thread exactly', () => {
    const x = draw([86528, 32], 9);
    const fn = kiln.compile((a: kiln.Tensor) => kiln.sum(a, 0));
    headers.length = 0;
    watch.backend.useThreads = false;
    const single = Array.from(fn(tensorOf(x)).dataSync());
    expect(headers.some((h) => h.includes('32 outputs at a time (column blocks)'))).toBe(true);
    watch.backend.useThreads = true;
    const threaded = watch.backend.launches.threaded;
    const out = Array.from(fn(tensorOf(x)).dataSync());
    expect(out).toEqual(single);
    if (watch.backend.threads > 1) expect(watch.backend.launches.threaded).toBeGreaterThan(threaded);
    const g = new Graph('ref');
    g.outputs = [g.add('sum', [g.parameter(x.type)], { axes: [0] })];
    expectClose(out, evaluateGraph(g, [x])[0]!.data, 1e-5, 'sum over 86528 rows', 1e-5);
  });
});
