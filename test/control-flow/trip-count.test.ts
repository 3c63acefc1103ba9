import { afterAll, describe, expect, it, vi } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Program } from '../../src/codegen/index.js';
import { currentBackend } from '../../src/trace/index.js';

/** Loops whose trip count is known when traced run their body that many times and never their condition. */

const values = async (t: kiln.Tensor) => Array.from(await t.data());

/** The trip counts of a program's while steps, outermost first (null where unknown). */
function tripCounts(p: Program): (number | null)[] {
  return p.steps.flatMap((s) => {
    if (s.kind === 'while') return [s.tripCount ?? null, ...tripCounts(s.condition), ...tripCounts(s.body)];
    if (s.kind === 'cond') return s.branches.flatMap(tripCounts);
    return [];
  });
}

const programOf = (cf: kiln.ConcreteFunction) => (cf as unknown as { compiled: { program: Program } }).compiled.program;

/** Calls `f(...args)` counting synchronous reads and launches of condition kernels. */
function watched<T>(call: () => T): { result: T; reads: number; conditionLaunches: number } {
  const backend = currentBackend();
  const read = vi.spyOn(backend, 'readSync');
  const run = vi.spyOn(backend, 'run');
  try {
    const result = call();
    const conditionLaunches = run.mock.calls.filter(([l]) => /condition/.test(l.kernel.name)).length;
    return { result, reads: read.mock.calls.length, conditionLaunches };
  } finally {
    read.mockRestore();
    run.mockRestore();
  }
}

const previous = kiln.getBackend();
afterAll(() => kiln.setBackend(previous));

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`known trip counts on ${backend}`, () => {
    it('runs a counter loop without evaluating or reading its condition', async () => {
      await kiln.setBackend(backend);
      const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((i) => i.less(5), (i, v) => [i.add(1), v.mul(2)], [kiln.scalar(0, 'int32'), x]));
      const { result, reads, conditionLaunches } = watched(() => f(kiln.tensor([1, -3])) as kiln.Tensor[]);
      expect(reads).toBe(0);
      expect(conditionLaunches).toBe(0);
      expect(await values(result[0]!)).toEqual([5]);
      expect(await values(result[1]!)).toEqual([32, -96]);
      expect(tripCounts(programOf(f.concrete(kiln.tensor([1, -3]))))).toEqual([5]);
    });

    it('counts like the loop would, for each comparison, step, dtype and bound', async () => {
      await kiln.setBackend(backend);
      // The initial value is made inside the function: a constant of the trace.
      const count = async (init: () => kiln.Tensor, cond: (i: kiln.Tensor) => kiln.Tensor, step: (i: kiln.Tensor) => kiln.Tensor, options: kiln.WhileOptions = {}) => {
        const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((i) => cond(i), (i, n) => [step(i), n.add(1)], [init(), x], options)[1]!);
        const { result, reads } = watched(() => f(kiln.scalar(0, 'int32')));
        expect(reads).toBe(0);
        expect(tripCounts(programOf(f.concrete(kiln.scalar(0, 'int32')))).every((c) => c !== null)).toBe(true);
        // The same loop with the initial value as an argument runs its condition: the oracle.
        const g = kiln.compile((x: kiln.Tensor, start: kiln.Tensor) => kiln.whileLoop((i) => cond(i), (i, n) => [step(i), n.add(1)], [start, x], options)[1]!);
        const start = init();
        const [known, oracle] = [await values(result), await values(g(kiln.scalar(0, 'int32'), start))];
        expect(known).toEqual(oracle);
        return known[0];
      };
      const i32 = (v: number) => () => kiln.scalar(v, 'int32');
      const f32 = (v: number) => () => kiln.scalar(v);
      expect(await count(i32(0), (i) => i.less(10), (i) => i.add(3))).toBe(4);
      expect(await count(i32(0), (i) => i.lessEqual(9), (i) => i.add(3))).toBe(4);
      expect(await count(i32(10), (i) => i.greater(0), (i) => i.sub(2))).toBe(5);
      expect(await count(i32(10), (i) => i.greaterEqual(0), (i) => i.sub(2))).toBe(6);
      expect(await count(i32(1), (i) => i.notEqual(64), (i) => i.mul(2))).toBe(6);
      expect(await count(i32(7), (i) => i.less(3), (i) => i.add(1))).toBe(0);
      expect(await count(i32(0), (i) => i.less(100), (i) => i.add(1), { maximumIterations: 7 })).toBe(7);
      // float32 counters round as the device does: 0.1 added ten times is a little over 1.
      expect(await count(f32(0), (i) => i.less(1), (i) => i.add(0.1))).toBe(10);
      expect(await count(f32(0), (i) => i.less(1), (i) => i.add(0.125))).toBe(8);
      expect(await count(f32(0), () => kiln.scalar(true), (i) => i, { maximumIterations: 3 })).toBe(3);
      expect(await count(f32(0), () => kiln.scalar(false), (i) => i)).toBe(0);
    });

    it('leaves a data-dependent loop to its condition', async () => {
      await kiln.setBackend(backend);
      const f = kiln.compile((x: kiln.Tensor) => kiln.whileLoop((v) => v.less(100), (v) => [v.mul(2)], [x])[0]!);
      const { result, reads } = watched(() => f(kiln.scalar(3)));
      expect(await values(result)).toEqual([192]);
      expect(reads).toBe(7);
      expect(tripCounts(programOf(f.concrete(kiln.scalar(3))))).toEqual([null]);
    });

    it('knows the counts of a gradient\'s forward and backward loops', async () => {
      await kiln.setBackend(backend);
      const w = kiln.variable([[0.5, -0.3], [0.2, 0.8]]);
      const g = kiln.compile((h0: kiln.Tensor) => {
        const tape = new kiln.GradientTape();
        tape.watch(h0);
        const y = tape.record(() => kiln.whileLoop((i) => i.less(4), (i, h) => [i.add(1), kiln.tanh(kiln.matMul(h, w))],
          [kiln.scalar(0, 'int32'), h0], { maximumIterations: 10 })[1]!.sum());
        return tape.gradient(y, [h0, w]);
      });
      const h0 = kiln.tensor([[0.7, -0.1]]);
      const counts = tripCounts(programOf(g.concrete(h0)));
      expect(counts.length).toBeGreaterThanOrEqual(2);
      expect(counts.every((c) => c === 4)).toBe(true);
      const { result, reads } = watched(() => g(h0) as kiln.Tensor[]);
      expect(reads).toBe(0);
      let h = h0;
      const unrolled = kiln.compile((a: kiln.Tensor) => {
        const tape = new kiln.GradientTape();
        tape.watch(a);
        const y = tape.record(() => { h = a; for (let i = 0; i < 4; i++) h = kiln.tanh(kiln.matMul(h, w)); return h.sum(); });
        return tape.gradient(y, [a, w]);
      })(h0) as kiln.Tensor[];
      for (let k = 0; k < 2; k++) {
        const [a, b] = [await values(result[k]!), await values(unrolled[k]!)];
        a.forEach((v, i) => expect(v).toBeCloseTo(b[i]!, 5));
      }
    });
  });
}
