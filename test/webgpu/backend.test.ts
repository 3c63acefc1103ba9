import { afterAll, beforeAll, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import type { Kernel } from '../../src/codegen/index.js';
import { createWebGpuBackend, WgslCompileError } from '../../src/runtime/webgpu/index.js';
import { applyOp } from '../../src/trace/index.js';
import { expectClose } from '../ops/close.js';
import { describeWebGpu, onBoth, webgpu } from './webgpu-env.js';

/** The webgpu backend's own behaviour: random bits, training, submission, errors, limits. */


const bits = (a: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(a).buffer));

describeWebGpu('the webgpu backend', () => {
  beforeAll(() => kiln.setBackend('webgpu'));
  afterAll(() => kiln.setBackend('cpu'));

  it('gives random values equal to the cpu backend bit for bit, for one seed', async () => {
    for (const seed of [0, 7, -3, 123456789]) {
      const seedTensor = () => kiln.tensor([seed], [], 'int32');
      const { cpu, gpu } = await onBoth(() => [
        applyOp('randomUniform', [seedTensor()], { shape: [5, 7] }),
        kiln.compile((s: kiln.Tensor) => applyOp('randomUniform', [s], { shape: [3, 70] }))(seedTensor()),
        kiln.randomUniform([9], { seed }),
      ]);
      gpu.forEach((g, i) => expect(bits(g), `seed ${seed}, result ${i}`).toEqual(bits(cpu[i]!)));
    }
    // Normal values go through log, sqrt and cos, which WGSL computes to a few ulp.
    const { cpu, gpu } = await onBoth(() => kiln.randomNormal([4, 6], { seed: 5 }));
    expectClose(gpu[0]!, cpu[0]!, 1e-5, 'randomNormal', 1e-5);
  });

  it('runs a compiled train step (GradientTape, assignSub) to the cpu backend\'s values', async () => {
    const train = async (backend: 'cpu' | 'webgpu') => {
      await kiln.setBackend(backend);
      const w = kiln.variable(kiln.tensor([[0.5, -0.2, 0.1], [0.3, 0.8, -0.5], [-0.1, 0.2, 0.4], [0.6, -0.3, 0.2]]));
      const b = kiln.variable(kiln.zeros([3]));
      const x = kiln.tensor(Array.from({ length: 32 }, (_, i) => Math.sin(i)), [8, 4]);
      const y = kiln.tensor(Array.from({ length: 24 }, (_, i) => Math.cos(i)), [8, 3]);
      const step = kiln.compile((xs: kiln.Tensor, ys: kiln.Tensor) => {
        const tape = new kiln.GradientTape();
        const loss = tape.record(() => kiln.mean(kiln.square(kiln.sub(kiln.tanh(kiln.matMul(xs, w).add(b)), ys))));
        const [gw, gb] = tape.gradient(loss, [w, b]);
        w.assignSub(gw!.mul(0.5));
        b.assignSub(gb!.mul(0.5));
        return loss;
      });
      const losses: number[] = [];
      for (let i = 0; i < 4; i++) losses.push((await step(x, y).data())[0]!);
      expect(step.traceCount).toBe(1);
      return { losses, w: await w.data(), b: await b.data() };
    };
    const cpu = await train('cpu');
    const gpu = await train('webgpu');
    expect(gpu.losses[3]!).toBeLessThan(gpu.losses[0]!);
    expectClose(gpu.losses, cpu.losses, 1e-5, 'losses', 1e-6);
    expectClose(gpu.w, cpu.w, 1e-5, 'w', 1e-6);
    expectClose(gpu.b, cpu.b, 1e-5, 'b', 1e-6);
  });

  it('submits once per run, however many kernels it launches, and reads back nothing unasked', async () => {
    const backend = webgpu();
    const x = kiln.tensor([[1, 2], [3, 4]]);
    const f = kiln.compile((a: kiln.Tensor) => kiln.softmax(kiln.matMul(a, a)).add(kiln.sum(a)));
    await f(x).data();
    const before = { ...backend.stats };
    const y = f(x);
    expect(backend.stats.submits - before.submits).toBe(1);
    expect(backend.stats.launches - before.launches).toBe(f.concrete(x).kernels.length);
    expect(f.concrete(x).kernels.length).toBeGreaterThan(1);
    expect(f.concrete(x).kernels.every((k) => k.language === 'wgsl')).toBe(true);
    expect(Array.from(await y.data()).every(Number.isFinite)).toBe(true);
  });

  it('makes pipelines asynchronously: a first run waits for them in order, and work issued after it sees its results', async () => {
    const backend = webgpu();
    const v = new kiln.Variable(kiln.tensor([1, 2, 3]));
    // A shape no other test compiles, so its pipelines are new and still being made when it runs.
    const f = kiln.compile((a: kiln.Tensor) => { v.assign(kiln.exp(a).add(v)); return kiln.sqrt(a).mul(7.25); });
    const x = kiln.tensor([4, 9, 16]);
    const pipelines = backend.stats.pipelines;
    const y = f(x);
    expect(backend.stats.pipelines).toBeGreaterThan(pipelines);
    // Issued before the pipelines exist: an upload, an eager op on the output, a read of the variable.
    const z = y.add(kiln.tensor([1, 1, 1]));
    expectClose(await z.data(), [15.5, 22.75, 30], 1e-6);
    expectClose(await v.data(), [1 + Math.exp(4), 2 + Math.exp(9), 3 + Math.exp(16)], 1e-5);
    expectClose(await f(x).data(), [14.5, 21.75, 29], 1e-6);
  });

  it('updates a variable in place through one binding (WebGPU forbids binding a buffer twice writably)', async () => {
    const v = kiln.variable(kiln.tensor([1, 2, 3]));
    const bump = kiln.compile(() => { v.assign(v.mul(2).add(1)); return v.add(0); });
    await bump().data();
    expect(Array.from(await bump().data())).toEqual([7, 11, 15]);
    expect(Array.from(await v.data())).toEqual([7, 11, 15]);
  });

  it('splits fused kernels at the storage buffer limit', async () => {
    const n = webgpu().limits.maxInputs + 4;
    const xs = Array.from({ length: n }, (_, i) => kiln.fill([3], i));
    const f = kiln.compile((...ts: kiln.Tensor[]) => ts.reduce((a, t) => kiln.add(a, kiln.mul(t, t))));
    expect(Array.from(await f(...xs).data())).toEqual(new Array(3).fill((n - 1) * n * (2 * n - 1) / 6));
    for (const k of f.concrete(...xs).kernels) expect((k.source.match(/var<storage, read>/g) ?? []).length).toBeLessThanOrEqual(webgpu().limits.maxInputs);
  });

  it('concatenates more tensors than a kernel may bind, eagerly and compiled (predict joins one part per batch)', async () => {
    const n = webgpu().limits.maxInputs * 4 + 3;
    const xs = Array.from({ length: n }, (_, i) => kiln.fill([1, 2], i));
    const expected = Array.from({ length: n }, (_, i) => [i, i]).flat();
    expect(Array.from(await kiln.concat(xs, 0).data())).toEqual(expected);
    const f = kiln.compile((...ts: kiln.Tensor[]) => kiln.concat(ts.map((t) => t.add(1)), 0));
    expect(Array.from(await f(...xs).data())).toEqual(expected.map((v) => v + 1));
  });

  it('dispatches a 2-D grid when one dimension would exceed 65535 workgroups', async () => {
    const n = 65535 * 64 + 100;
    const y = kiln.add(kiln.fill([n], 1), kiln.range(0, n, 1, 'float32'));
    const data = await y.data();
    expect(data[0]).toBe(1);
    expect(data[n - 1]).toBe(n);
    expect(data.every((v, i) => v === i + 1)).toBe(true);
  });

  it('refuses a tensor larger than the device can bind, naming the limit', () => {
    const backend = webgpu();
    const elements = Math.floor(backend.device.limits.maxStorageBufferBindingSize / 4) + 1;
    expect(() => backend.allocate('float32', elements)).toThrow(/exceeds this device's largest storage buffer \(maxStorageBufferBindingSize/);
  });

  it('throws a KilnError from dataSync() that says what to do instead', () => {
    expect(() => kiln.tensor([1, 2]).dataSync()).toThrow(/dataSync\(\) is not available on the webgpu backend; use await tensor\.data\(\)/);
  });

  it('reports a shader that does not compile with the kernel name and the offending line, keeping the source', async () => {
    const backend = webgpu();
    const kernel: Kernel = { kind: 'map', name: 'broken_kernel', inputs: [], outputs: [{ dtype: 'float32', size: 1 }], domain: [1], stores: [] };
    const source = '// broken_kernel\n@group(0) @binding(0) var<storage, read_write> out0: array<f32>;\n@compute @workgroup_size(1)\nfn main() { out0[0] = undefined_thing + 1.0; }\n';
    const compiled = backend.compileShader(kernel, { source, template: 'map', bindings: [{ kind: 'output', index: 0 }], dispatch: [1, 1, 1] });
    const error = await backend.synchronize().then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(WgslCompileError);
    expect(error).toBeInstanceOf(kiln.KilnError);
    expect((error as Error).message).toMatch(/WGSL compile error in kernel 'broken_kernel' at line 4:\d+: .*undefined_thing/);
    expect((error as Error).message).toContain('fn main() { out0[0] = undefined_thing + 1.0; }');
    expect((error as WgslCompileError).source).toBe(source);
    const out = backend.allocate('float32', 1);
    expect(() => backend.run({ kernel: compiled, inputs: [], outputs: [out] })).toThrow(/broken_kernel/);
    backend.release(out);
    await backend.synchronize();
  });

  it('fails with a KilnError, not a hang, once its device is lost', async () => {
    const backend = await createWebGpuBackend();
    const buffer = backend.upload('float32', [1, 2, 3]);
    expect(Array.from(await backend.read(buffer))).toEqual([1, 2, 3]);
    backend.destroy();
    await expect(backend.read(buffer)).rejects.toThrow(/WebGPU device was lost/);
    expect(() => backend.upload('float32', [1])).toThrow(/WebGPU device was lost/);
  });
});
