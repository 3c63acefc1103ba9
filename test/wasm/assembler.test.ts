import { describe, expect, it } from 'vitest';
import { FuncBuilder, ModuleBuilder } from '../../src/codegen/wasm/assembler.js';
import { sleb, uleb } from '../../src/codegen/wasm/opcodes.js';
import * as kiln from '../../src/index.js';

/** The WebAssembly assembler and the listings compiled kernels carry. */
describe('wasm assembler', () => {
  it('encodes LEB128', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 1]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([63]);
    expect(sleb(64)).toEqual([0xc0, 0]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
    expect(sleb(-2147483648)).toEqual([0x80, 0x80, 0x80, 0x80, 0x78]);
  });

  it('builds a valid SIMD module with labels, locals and a listing', () => {
    const m = new ModuleBuilder();
    m.importMemory(false, 1, 2);
    const f = new FuncBuilder('scale', [{ name: 'ptr', type: 'i32' }, { name: 'n', type: 'i32' }], ['f32']);
    const [ptr, n] = f.params as [never, never];
    const i = f.local('i32', 'i');
    const sum = f.local('v128', 'sum');
    const exit = f.block();
    const top = f.loop();
    f.get(i).get(n).op('i32.ge_u').brIf(exit);
    f.get(sum).get(ptr).get(i).op('i32.add').mem('v128.load').f32x4Const([2]).op('f32x4.mul').op('f32x4.add').set(sum);
    f.get(i).i32Const(16).op('i32.add').set(i).br(top);
    f.end().end();
    f.get(sum).lane('f32x4.extract_lane', 0).get(sum).lane('f32x4.extract_lane', 3).op('f32.add');
    m.addFunc(f, 'scale');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 2 });
    new Float32Array(memory.buffer).set([1, 2, 3, 4, 10, 20, 30, 40]);
    const run = new WebAssembly.Instance(new WebAssembly.Module(m.encode()), { env: { memory } }).exports.scale as (p: number, n: number) => number;
    expect(run(0, 32)).toBe(2 * (1 + 10) + 2 * (4 + 40));
    const text = m.listing();
    expect(text).toContain('(export "scale" (func $scale))');
    expect(text).toContain('v128.const f32x4 2 2 2 2');
    expect(text).toContain('br_if $b0');
  });

  it('refuses branches to closed labels and unbalanced blocks', () => {
    const f = new FuncBuilder('bad', []);
    const b = f.block();
    f.end();
    expect(() => f.br(b)).toThrow(/closed label/);
    f.block();
    expect(() => f.body()).toThrow(/unclosed/);
  });

  it('compiled kernels carry a WAT-like listing', async () => {
    await kiln.setBackend('wasm');
    try {
      const fn = kiln.compile((x: kiln.Tensor) => kiln.sum(kiln.exp(x), 1));
      const [kernel] = fn.concrete(kiln.ones([8, 64])).kernels;
      expect(kernel!.language).toBe('wasm');
      expect(kernel!.source).toMatch(/^;; .*reduce over \[8\] sum over \[64\]; reduce sum, 4 lanes along the reduced dim/);
      expect(kernel!.source).toContain('(func $run');
      expect(kernel!.source).toContain(';; exp:');
    } finally {
      await kiln.setBackend('cpu');
    }
  });
});
