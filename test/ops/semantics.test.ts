import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';

/**
 * reference.test.ts shows that the compiled path agrees with the reference evaluator; these pin
 * the semantics themselves to literal values (int32 wrap-around, rounding, division, NaN, empty axes),
 * eagerly and compiled.
 */
describe('edge semantics', () => {
  const wrap = (x: bigint) => Number(BigInt.asIntN(32, x));
  const both = async (f: () => kiln.Tensor): Promise<number[]> => {
    const eager = Array.from(await f().data());
    expect(Array.from(await kiln.compile(f)().data()), 'compiled').toEqual(eager);
    return eager;
  };

  it('int32 arithmetic wraps around', async () => {
    const big = [65536, 46341, 2147483647, -2147483648, 65537];
    const i = (xs: number[]) => kiln.tensor(xs, [xs.length], 'int32');
    expect(await both(() => kiln.mul(i(big), i(big)))).toEqual(big.map((x) => wrap(BigInt(x) * BigInt(x))));
    expect(await both(() => kiln.square(i(big)))).toEqual(big.map((x) => wrap(BigInt(x) * BigInt(x))));
    expect(await both(() => kiln.add(i(big), i(big)))).toEqual(big.map((x) => wrap(BigInt(x) + BigInt(x))));
    expect(await both(() => kiln.prod(i([65537, 65537, 3, 46341])))).toEqual([wrap(65537n * 65537n * 3n * 46341n)]);
    const exps = [0, 1, 2, 3, 5, 31];
    expect(await both(() => kiln.pow(i(big.concat([3])), i(exps)))).toEqual(big.concat([3]).map((x, k) => wrap(BigInt(x) ** BigInt(exps[k]!))));
    expect(await both(() => kiln.pow(i([2, -3, 1, -1, 0]), i([-1, 0, -2, -3, 0])))).toEqual([0, 1, 1, -1, 1]);
  });

  it('reductions over an empty axis give their identity', async () => {
    const x = () => kiln.zeros([2, 0, 3]);
    expect(await both(() => kiln.sum(x(), 1))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(await both(() => kiln.prod(x(), 1))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(await both(() => kiln.max(x(), 1))).toEqual(new Array(6).fill(-Infinity));
    expect(await both(() => kiln.min(x(), 1))).toEqual(new Array(6).fill(Infinity));
    expect(kiln.sum(x(), 1).shape).toEqual([2, 3]);
  });

  it('rounds half to even, divides and takes remainders toward -Infinity, truncates casts', async () => {
    const f = (xs: number[]) => kiln.tensor(xs, [xs.length], 'float32');
    const i = (xs: number[]) => kiln.tensor(xs, [xs.length], 'int32');
    expect(await both(() => kiln.round(f([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997])))).toEqual([-2, -2, -0, 0, 2, 2, 0]);
    expect(await both(() => kiln.floorDiv(i([-7, 7, -7, 7]), i([2, 2, -2, -2])))).toEqual([-4, 3, 3, -4]);
    expect(await both(() => kiln.div(i([-7, 7, -7, 7]), i([2, 2, -2, -2])))).toEqual([-4, 3, 3, -4]);
    expect(await both(() => kiln.mod(i([-7, 7, -7, 7]), i([2, 2, -2, -2])))).toEqual([1, 1, -1, -1]);
    expect(await both(() => kiln.mod(f([-7.5, 7.5]), f([2, -2])))).toEqual([0.5, -0.5]);
    expect(await both(() => kiln.cast(f([-1.7, 1.7, -0.2]), 'int32'))).toEqual([-1, 1, 0]);
    expect(await both(() => kiln.cast(f([NaN, 0, -0, 0.1]), 'bool'))).toEqual([1, 0, 0, 1]);
  });

  it('max and min propagate NaN, and argMax and argMin point at the first NaN', async () => {
    const x = () => kiln.tensor([1, NaN, 3, NaN, 2, 5], [1, 6]);
    expect(await both(() => kiln.max(x(), 1))).toEqual([NaN]);
    expect(await both(() => kiln.argMax(x(), 1))).toEqual([1]);
    expect(await both(() => kiln.min(x(), 1))).toEqual([NaN]);
    expect(await both(() => kiln.argMin(x(), 1))).toEqual([1]);
  });

  it('matMul follows IEEE arithmetic: 0 · Infinity is NaN', async () => {
    const a = () => kiln.tensor([[0, 1], [1, 0]]);
    const b = () => kiln.tensor([[Infinity, 1], [2, NaN]]);
    expect(await both(() => kiln.matMul(a(), b()))).toEqual([NaN, NaN, Infinity, NaN]);
    expect(await both(() => kiln.matMul(a(), b(), false, true))).toEqual([NaN, NaN, Infinity, NaN]);
  });

  it('pads with the pad value converted to the dtype', async () => {
    expect(await both(() => kiln.pad(kiln.tensor([true, false]), [[1, 1]], 3))).toEqual([1, 1, 0, 1]);
    expect(await both(() => kiln.pad(kiln.tensor([4, 5], [2], 'int32'), [[1, 0]], -1.5))).toEqual([-1, 4, 5]);
  });
});
