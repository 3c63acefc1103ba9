// ConcreteFunction: the inspection surface of one trace (graph stages, passes, kernels, stats),
// calling it directly, and the output structures a compiled function may return.
import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

const values = async (t: unknown) => Array.from(await (t as kiln.Tensor).data());

describe('ConcreteFunction', () => {
  const f = kiln.compile(function scaleShift(x: kiln.Tensor, y: kiln.Tensor) {
    const unused = kiln.exp(x);
    void unused;
    return kiln.mul(x, 2).add(y);
  });
  const x = kiln.tensor([1, 2, 3]);
  const y = kiln.tensor([10, 20, 30]);

  it('concrete() traces without running and is shared with calls', async () => {
    const cf = f.concrete(x, y);
    expect(f.traceCount).toBe(1);
    expect(await values(f(x, y))).toEqual([12, 24, 36]);
    expect(f.traceCount).toBe(1);
    expect(f.concrete(kiln.tensor([0, 0, 0]), y)).toBe(cf);
  });

  it('prints the traced graph with source-line comments', () => {
    const traced = f.concrete(x, y).graph.toString({ stage: 'traced' });
    const lines = traced.split('\n').filter((l) => /= (exp|mul|add)\b/.test(l));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines) expect(line).toMatch(/# .*concrete-function\.test\.ts:\d+/);
    expect(f.concrete(x, y).graph.toString({ stage: 'traced', locations: false })).not.toContain('#');
  });

  it('lists the passes, with dce removing the unused exp', () => {
    const cf = f.concrete(x, y);
    expect(cf.passes.map((p) => p.name)).toContain('dce');
    expect(cf.graph.toString({ stage: 'traced' })).toContain('exp');
    expect(cf.graph.toString({ stage: 'dce' })).not.toContain('exp');
    expect(cf.graph.toString()).not.toContain('exp');
    expect(() => cf.graph.toString({ stage: 'no-such-pass' })).toThrow(kiln.KilnError);
  });

  it('exposes its kernels and stats', () => {
    const cf = f.concrete(x, y);
    expect(cf.kernels.length).toBeGreaterThan(0);
    for (const k of cf.kernels) {
      expect(k.language).toBe({ cpu: 'js', wasm: 'wasm', webgpu: 'wgsl' }[kiln.getBackend()]);
      expect(k.source.length).toBeGreaterThan(0);
    }
    const stats = cf.stats;
    expect(stats.nodes).toBeGreaterThan(0);
    expect(stats.kernels).toBeGreaterThan(0);
    // Fused into kernels with no stored intermediates: the arena is empty, the output is the peak.
    expect(stats.buffers).toBe(0);
    expect(stats.bytes).toBeGreaterThan(0);
    expect(Object.keys(stats).sort()).toEqual(['buffers', 'bytes', 'fusedNodes', 'inPlaceUpdates', 'kernels', 'nodes', 'reusedBuffers']);
    // Unfused, each op stores its result: intermediates live in the arena.
    const unfused = kiln.compile((a: kiln.Tensor, b: kiln.Tensor) => a.mul(2).add(b).relu().sub(1), { fuse: false }).concrete(x, y);
    expect(unfused.stats.kernels).toBe(4);
    expect(unfused.stats.buffers).toBeGreaterThan(0);
  });

  it('runs when called with its own signature and throws a KilnError for another', async () => {
    const cf = f.concrete(x, y);
    expect(await values(cf.call(kiln.tensor([0, 1, 2]), y))).toEqual([10, 22, 34]);
    expect(() => cf.call(kiln.tensor([1, 2]), kiln.tensor([1, 2]))).toThrow(kiln.KilnError);
    expect(() => cf.call(kiln.tensor([1, 2, 3], undefined, 'int32'), y)).toThrow(kiln.KilnError);
    expect(() => cf.call(x)).toThrow(kiln.KilnError);
  });
});

describe('outputs', () => {
  it('may be nested arrays and objects mixing numbers, strings and tensors', async () => {
    const f = kiln.compile((x: kiln.Tensor, label: string) => ({
      label,
      count: 2,
      parts: [kiln.add(x, 1), { doubled: kiln.mul(x, 2), note: 'ok', flag: true }],
      nothing: null,
    }));
    for (let i = 0; i < 2; i++) {
      const out = f(kiln.tensor([1, 2]), 'a');
      expect(out.label).toBe('a');
      expect(out.count).toBe(2);
      expect(out.nothing).toBeNull();
      expect(await values(out.parts[0])).toEqual([2, 3]);
      const inner = out.parts[1] as { doubled: kiln.Tensor; note: string; flag: boolean };
      expect(await values(inner.doubled)).toEqual([2, 4]);
      expect(inner.note).toBe('ok');
      expect(inner.flag).toBe(true);
    }
    expect(f.traceCount).toBe(1);
  });

  it('may return an input, a variable, or the same tensor twice', async () => {
    const v = new kiln.Variable([5, 6]);
    const f = kiln.compile((x: kiln.Tensor) => { const s = kiln.add(x, v); return [x, v, s, s]; });
    const [a, b, s1, s2] = f(kiln.tensor([1, 2])) as kiln.Tensor[];
    expect(await values(a)).toEqual([1, 2]);
    expect(await values(b)).toEqual([5, 6]);
    expect(await values(s1)).toEqual([6, 8]);
    expect(await values(s2)).toEqual([6, 8]);
    // The returned variable value is a snapshot, not the variable itself.
    v.assign([0, 0]);
    expect(await values(b)).toEqual([5, 6]);
  });

  it('may be undefined or a bare number', () => {
    expect(kiln.compile(() => undefined)()).toBeUndefined();
    expect(kiln.compile((n: number) => n * 2)(21)).toBe(42);
  });
});
