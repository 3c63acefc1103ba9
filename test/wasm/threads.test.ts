import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import type { WasmBackend } from '../../src/runtime/wasm/index.js';
import { currentBackend } from '../../src/trace/index.js';

/** Worker threads on and off give identical results; workers never keep a process alive. */

const rand = (shape: number[], seed: number) => kiln.randomNormal(shape, { seed });

const CASES: [string, () => kiln.Tensor][] = [
  ['elementwise with broadcast', () => kiln.exp(rand([300, 1000], 1).mul(0.1)).add(rand([1000], 2))],
  ['elementwise, one long row', () => kiln.tanh(rand([100003], 3))],
  ['sum over the last axis', () => kiln.sum(rand([500, 300], 4), 1)],
  ['sum over the first axis', () => kiln.sum(rand([500, 300], 5), 0)],
  ['full sum (split reduction)', () => kiln.sum(kiln.sigmoid(rand([1 << 18], 6)))],
  ['argmax, full (split reduction)', () => kiln.argMax(rand([200000], 7))],
  ['max over two rows (split reduction)', () => kiln.max(rand([2, 100000], 8), 1)],
  ['int sum (split reduction)', () => kiln.sum(kiln.cast(rand([100000], 9).mul(50), 'int32'))],
  ['matmul + bias + relu', () => kiln.relu(kiln.matMul(rand([203, 301], 10), rand([301, 157], 11)).add(rand([157], 12)))],
  ['batched matmul, transposed', () => kiln.matMul(rand([3, 77, 120], 13), rand([3, 90, 120], 14), false, true)],
  ['conv2d', () => kiln.conv2d(rand([2, 32, 32, 8], 15), rand([3, 3, 8, 16], 16), 1, 'same')],
  ['gather', () => kiln.gather(rand([1000, 64], 17), kiln.tensor(Array.from({ length: 700 }, (_, i) => (i * 37) % 1000), [700], 'int32'))],
];

describe('wasm worker threads', () => {
  let backend: WasmBackend;
  beforeAll(async () => {
    await kiln.setBackend('wasm');
    backend = currentBackend() as WasmBackend;
  });
  afterAll(async () => {
    backend.useThreads = true;
    await kiln.setBackend('cpu');
  });

  it('has worker threads here', () => {
    expect(backend.threads).toBeGreaterThan(1);
  });

  it.each(CASES)('%s: threads on and off agree exactly', (_name, make) => {
    const f = kiln.compile(make);
    backend.useThreads = false;
    const before = backend.launches.threaded;
    const single = f().dataSync();
    const eagerSingle = make().dataSync();
    expect(backend.launches.threaded).toBe(before);
    backend.useThreads = true;
    const threaded = f().dataSync();
    const eagerThreaded = make().dataSync();
    expect(backend.launches.threaded).toBeGreaterThan(before);
    expect(Array.from(threaded)).toEqual(Array.from(single));
    expect(Array.from(eagerThreaded)).toEqual(Array.from(eagerSingle));
  });

  it('split reductions ran', () => {
    expect(backend.launches.splitReductions).toBeGreaterThan(0);
  });

  it('a process using the wasm backend exits when its work is done', () => {
    const script = [
      `import * as kiln from ${JSON.stringify(fileURLToPath(new URL('../../src/index.ts', import.meta.url)))};`,
      "await kiln.setBackend('wasm');",
      "const y = kiln.sum(kiln.matMul(kiln.ones([256, 256]), kiln.ones([256, 256])));",
      'console.log(y.dataSync()[0]);',
    ].join('\n');
    const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 });
    expect(run.error).toBeUndefined();
    expect(run.stderr).toBe('');
    expect(run.stdout.trim()).toBe(String(256 ** 3));
    expect(run.status).toBe(0);
  });
});
