import { afterAll, describe, expect, it } from 'vitest';
import type { Kernel } from '../../src/codegen/index.js';
import { alu, constant, index, int, load } from '../../src/ir/index.js';
import { createWasmBackend, type WasmBackend } from '../../src/runtime/wasm/index.js';

/**
 * The wasm backend through the Backend interface with hand-written kernels: the same results
 * with one thread and with workers that compile kernels from bytes in the shared memory (how
 * browser Web Workers get them).
 */
const N = 5003;
const x = load(0, index(0), 'float32');
const KERNELS: Kernel[] = [
  { kind: 'map', name: 'expmap', inputs: [{ dtype: 'float32', size: N }], outputs: [{ dtype: 'float32', size: N }], domain: [N], stores: [alu('exp', [alu('mul', [x, constant(0.01)])])] },
  {
    kind: 'map', name: 'cmp', inputs: [{ dtype: 'float32', size: N }], outputs: [{ dtype: 'bool', size: N }], domain: [N],
    stores: [alu('gt', [x, alu('cast', [alu('mod', [index(0), int(7)])], 'float32')])],
  },
  {
    kind: 'reduce', name: 'sumsq', inputs: [{ dtype: 'float32', size: N }], outputs: [{ dtype: 'float32', size: 1 }], domain: [], op: 'sum',
    inner: [N], body: alu('mul', [x, x]), epilogue: alu('sqrt', [{ k: 'acc', dtype: 'float32' }]),
  },
  {
    kind: 'reduce', name: 'argmin', inputs: [{ dtype: 'float32', size: N }], outputs: [{ dtype: 'int32', size: 1 }], domain: [], op: 'argmin',
    inner: [N], body: alu('sin', [x]), epilogue: { k: 'acc', dtype: 'int32' },
  },
];

describe('wasm backend (Backend interface)', () => {
  const made: WasmBackend[] = [];
  afterAll(() => { for (const b of made) b.dispose(); });

  it('gives the same results on one thread and on workers reading kernels from memory', async () => {
    const one = await createWasmBackend({ threads: 1 });
    const many = await createWasmBackend({ threads: 3, delivery: 'memory', threshold: 0 });
    made.push(one, many);
    expect(one.threads).toBe(1);
    expect(many.threads).toBe(3);
    const data = Float32Array.from({ length: N }, (_, i) => Math.sin(i) * 20);
    for (const kernel of KERNELS) {
      const results = [one, many].map((b) => {
        const input = b.upload('float32', data);
        const output = b.allocate(kernel.outputs[0]!.dtype, kernel.outputs[0]!.size);
        b.run({ kernel: b.compile(kernel), inputs: [input], outputs: [output] });
        const out = b.readSync(output).slice();
        b.release(input);
        b.release(output);
        return Array.from(out);
      });
      expect(results[1], kernel.name).toEqual(results[0]);
    }
    expect(many.launches.threaded).toBe(KERNELS.length);
    expect(many.launches.splitReductions).toBe(2);
  });

  it('reads back copies asynchronously, and views share their buffer', async () => {
    const b = await createWasmBackend({ threads: 1 });
    made.push(b);
    const buf = b.upload('int32', [1, 2, 3, 4]);
    const copy = await b.read(buf);
    copy[0] = 99;
    expect(Array.from(b.readSync(buf))).toEqual([1, 2, 3, 4]);
    expect(Array.from(b.readSync(b.view(buf, 'int32', 2)))).toEqual([1, 2]);
    expect(Array.from(await b.read(buf))).toEqual([1, 2, 3, 4]);
    b.release(buf);
    expect(b.memoryStats().inUseBytes).toBe(0);
  });
});
