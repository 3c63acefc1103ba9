// The retrace explanation behind `kiln inspect`: the dump keeps each trace's signature
// structure, and a retrace is explained by the argument paths that differ from the nearest
// earlier trace. Also KILN_DUMP itself, set in this process.
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import type { DumpIndex } from '../../src/trace/dump.js';
import { describeSignature, diffSignatures, explainRetrace, formatArguments } from '../../src/trace/dump-signature.js';

const sig = (...args: unknown[]) => describeSignature(args);

describe('signature differences', () => {
  it('names the argument path and the old and new shape, dtype or value', () => {
    const a = kiln.ones([2, 3]);
    expect(diffSignatures(sig(a, 1), sig(kiln.ones([4, 3]), 1))).toEqual([{ path: 'args[0].shape', from: '[2,3]', to: '[4,3]' }]);
    expect(diffSignatures(sig(a), sig(kiln.ones([2, 3], 'int32')))).toEqual([{ path: 'args[0].dtype', from: 'float32', to: 'int32' }]);
    expect(diffSignatures(sig(a, 0.1), sig(a, 0.2))).toEqual([{ path: 'args[1]', from: '0.1', to: '0.2' }]);
    expect(diffSignatures(sig(a, 'sgd'), sig(a, 'adam'))).toEqual([{ path: 'args[1]', from: '"sgd"', to: '"adam"' }]);
    expect(diffSignatures(sig(a, 1), sig(a, a))).toEqual([{ path: 'args[1]', from: 'number 1', to: 'tensor f32[2,3]' }]);
  });

  it('walks nested arrays and objects', () => {
    const x = kiln.zeros([3]);
    expect(diffSignatures(sig({ x, opts: { lr: 1 } }), sig({ x, opts: { lr: 2 } }))).toEqual([{ path: 'args[0].opts.lr', from: '1', to: '2' }]);
    expect(diffSignatures(sig([x, x]), sig([x, x, x]))).toEqual([{ path: 'args[0].length', from: '2', to: '3' }]);
    expect(diffSignatures(sig({ a: x }), sig({ b: x }))).toEqual([{ path: 'args[0] keys', from: '{a}', to: '{b}' }]);
    expect(diffSignatures(sig([x, { 'odd key': x }]), sig([x, { 'odd key': kiln.zeros([1]) }]))).toEqual([{ path: 'args[0][1]["odd key"].shape', from: '[3]', to: '[1]' }]);
  });

  it('tells variables apart by identity, and formats the arguments', () => {
    const v = new kiln.Variable(kiln.zeros([2]), { name: 'v' });
    const w = new kiln.Variable(kiln.zeros([2]), { name: 'w' });
    expect(diffSignatures(sig(v), sig(w))).toEqual([{ path: 'args[0]', from: 'variable @v', to: 'variable @w' }]);
    expect(formatArguments(sig(kiln.ones([2, 3]), v, 3, [true, 'a'], { k: null }))).toBe('(f32[2,3], @v, 3, [true, "a"], {k: null})');
  });

  it('explains a retrace against the nearest earlier signature', () => {
    const earlier = [sig(kiln.ones([8, 4]), 2), sig(kiln.ones([2, 5]), 2)];
    expect(explainRetrace(earlier, sig(kiln.ones([2, 5]), 3))).toEqual({ comparedTo: 1, changes: [{ path: 'args[1]', from: '2', to: '3' }] });
  });
});

describe('KILN_DUMP in this process', () => {
  let dir: string | undefined;
  afterEach(async () => {
    delete process.env.KILN_DUMP;
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('dumps compiled functions, not eager ops, and nothing when unset', async () => {
    const f = kiln.compile(function twice(x: kiln.Tensor) { return x.mul(2); });
    f(kiln.ones([2]));
    dir = await mkdtemp(join(tmpdir(), 'kiln-dump-inproc-'));
    process.env.KILN_DUMP = dir;
    kiln.add(kiln.ones([3]), 1).dataSync();
    expect(existsSync(join(dir, 'index.json'))).toBe(false);
    f(kiln.ones([5]));
    const index = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as DumpIndex;
    expect(index.functions).toHaveLength(1);
    expect(index.functions[0]!.traces.map((t) => t.args)).toEqual(['(f32[5])']);
    expect(existsSync(join(dir, 'twice/trace-0/00-traced.txt'))).toBe(true);
  });
});
