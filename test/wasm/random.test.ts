import { afterAll, describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

/** One seed gives the same random values on wasm as on cpu, bit for bit, eagerly and compiled. */
async function on<T>(backend: 'cpu' | 'wasm', fn: () => T): Promise<T> {
  await kiln.setBackend(backend);
  return fn();
}

const CASES: [string, () => kiln.Tensor][] = [
  ['randomUniform [1000]', () => kiln.randomUniform([1000], { seed: 7 })],
  ['randomUniform [33, 17] minval/maxval', () => kiln.randomUniform([33, 17], { seed: -3, minval: -2, maxval: 5 })],
  ['randomNormal [1000]', () => kiln.randomNormal([1000], { seed: 11 })],
  ['randomNormal [4, 257] mean/stddev', () => kiln.randomNormal([4, 257], { seed: 123456789, mean: 3, stddev: 0.5 })],
  ['dropout-style mask', () => {
    const x = kiln.tensor(Array.from({ length: 999 }, (_, i) => Math.sin(i)));
    return kiln.where(kiln.greaterEqual(kiln.randomUniform([999], { seed: 5 }), 0.3), x.div(0.7), kiln.zerosLike(x));
  }],
];

describe('random values on wasm match cpu', () => {
  afterAll(async () => { await kiln.setBackend('cpu'); });

  it.each(CASES)('%s', async (_name, make) => {
    const cpu = await on('cpu', () => ({ eager: make().dataSync(), compiled: kiln.compile(make)().dataSync() }));
    const wasm = await on('wasm', () => ({ eager: make().dataSync(), compiled: kiln.compile(make)().dataSync() }));
    expect(kiln.getBackend()).toBe('wasm');
    expect(Array.from(wasm.eager)).toEqual(Array.from(cpu.eager));
    expect(Array.from(wasm.compiled)).toEqual(Array.from(cpu.compiled));
  });
});
