import { FuncBuilder, ModuleBuilder } from '../../src/codegen/wasm/assembler.js';
import { HOST_IMPORTS, VectorMath } from '../../src/codegen/wasm/math.js';

export type MathFn = 'exp' | 'log' | 'log1p' | 'sigmoid' | 'tanh' | 'sin' | 'cos';

const host: Record<string, (...a: number[]) => number> = {
  sin: Math.sin, cos: Math.cos, exp: Math.exp, log: Math.log, log1p: Math.log1p, tanh: Math.tanh, pow: Math.pow,
  fmod: (a, b) => a % b, ipow: (a, b) => a ** b,
};

/** Runs one of the wasm renderer's vector math functions over a Float32Array (length a multiple of 4). */
export function vectorMath(fn: MathFn): (xs: Float32Array) => Float32Array {
  const m = new ModuleBuilder();
  for (const h of HOST_IMPORTS) m.importFunc('host', h.name, h.params, [h.result]);
  m.importMemory(false, 1, 65536);
  const f = new FuncBuilder('run', [{ name: 'src', type: 'i32' }, { name: 'dst', type: 'i32' }, { name: 'n', type: 'i32' }]);
  const [src, dst, n] = f.params as [never, never, never];
  const i = f.local('i32', 'i');
  const exit = f.block();
  const top = f.loop();
  f.get(i).get(n).op('i32.ge_u').brIf(exit);
  f.get(dst).get(i).op('i32.add');
  f.get(src).get(i).op('i32.add').mem('v128.load');
  new VectorMath(f)[fn]();
  f.mem('v128.store');
  f.get(i).i32Const(16).op('i32.add').set(i).br(top);
  f.end().end();
  m.addFunc(f, 'run');
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const imports = { env: { memory }, host: Object.fromEntries(HOST_IMPORTS.map((h) => [h.name, host[h.name]!])) };
  const run = new WebAssembly.Instance(new WebAssembly.Module(m.encode()), imports).exports.run as (s: number, d: number, n: number) => void;
  return (xs) => {
    const bytes = xs.length * 4;
    const pages = Math.ceil((2 * bytes) / 65536) + 1;
    if (memory.buffer.byteLength < pages * 65536) memory.grow(pages - memory.buffer.byteLength / 65536);
    new Float32Array(memory.buffer, 0, xs.length).set(xs);
    run(0, bytes, bytes);
    return new Float32Array(memory.buffer, bytes, xs.length).slice();
  };
}
