// DESIGN.md, Errors: every bad input is a KilnError thrown before anything runs, naming the op,
// the shapes/dtypes involved and the user's file:line; nothing is half-applied.
import { describe, expect, it } from 'vitest';
import * as kiln from '../src/index.js';

/** `errors.test.ts:<line>` of the line that calls `here()`: put it on the line of the failing call. */
function here(): string {
  const frame = new Error().stack!.split('\n')[2]!;
  const m = /errors\.test\.ts:(\d+):\d+/.exec(frame);
  if (!m) throw new Error(`no errors.test.ts frame in ${frame}`);
  return `errors.test.ts:${m[1]}:`;
}

/**
 * Runs `fn`, expecting a KilnError from op `op` whose message mentions each of `mentions` and
 * the location `at`; also checks that the failed call left no tensor or buffer behind.
 */
function expectKilnError(at: string | (() => string), op: string, fn: () => unknown, ...mentions: string[]): kiln.KilnError {
  const before = kiln.memory();
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(kiln.KilnError);
  const e = error as kiln.KilnError;
  if (typeof at === 'function') at = at();
  expect(e.message.startsWith(`${op}: `), e.message).toBe(true);
  expect(e.op).toBe(op);
  for (const m of mentions) expect(e.message).toContain(m);
  expect(e.message).toContain(at);
  expect(e.location).toContain(at);
  expect(kiln.memory()).toEqual(before);
  return e;
}

const a23 = kiln.ones([2, 3]);
const b45 = kiln.ones([4, 5]);

describe('incompatible shapes', () => {
  it('broadcasting', () => {
    expectKilnError(here(), 'add', () => kiln.add(a23, b45), '[2,3]', '[4,5]');
    expectKilnError(here(), 'mul', () => a23.mul(b45), '[2,3]', '[4,5]');
    expectKilnError(here(), 'add', () => kiln.add(a23, [1, 2, 3, 4]), '[2,3]', '[4]');
  });

  it('reshape to a different size', () => {
    expectKilnError(here(), 'reshape', () => kiln.reshape(a23, [4, 5]), '[2,3]', '[4,5]', '6 elements');
    expectKilnError(here(), 'reshape', () => a23.reshape([4, -1]), '[2,3]', '[4,-1]');
  });

  it('matMul inner dimensions', () => {
    expectKilnError(here(), 'matMul', () => kiln.matMul(a23, b45), '[2,3]', '[4,5]', '3 vs 4');
    const v3 = kiln.ones([3]);
    expectKilnError(here(), 'matMul', () => kiln.matMul(v3, b45), '[3]', '[4,5]');
  });

  it('concat', () => {
    expectKilnError(here(), 'concat', () => kiln.concat([a23, b45], 0), '[2,3]', '[4,5]');
    expectKilnError(here(), 'stack', () => kiln.stack([a23, b45]), '[2,3]', '[4,5]');
  });

  it('conv2d channels', () => {
    const x = kiln.ones([1, 5, 5, 3]);
    const filter = kiln.ones([3, 3, 4, 8]);
    expectKilnError(here(), 'conv2d', () => kiln.conv2d(x, filter, 1, 'valid'), '[1,5,5,3]', '[3,3,4,8]');
  });

  it('slice out of bounds', () => {
    expectKilnError(here(), 'slice', () => kiln.slice(a23, [1, 1], [2, 2]), '[1,1]', '[2,2]', '[2,3]');
  });

  it('transpose with a bad perm', () => {
    expectKilnError(here(), 'transpose', () => kiln.transpose(a23, [0, 0]), '[0,0]', '[2,3]');
    expectKilnError(here(), 'transpose', () => kiln.transpose(a23, [0, 1, 2]), '[0,1,2]', '[2,3]');
  });
});

describe('bad axis', () => {
  it('names the axis and the shape', () => {
    expectKilnError(here(), 'sum', () => kiln.sum(a23, 2), 'axis 2', '[2,3]');
    expectKilnError(here(), 'mean', () => a23.mean(-3), 'axis -3', '[2,3]');
    expectKilnError(here(), 'softmax', () => kiln.softmax(a23, 5), 'axis 5', '[2,3]');
    expectKilnError(here(), 'argMax', () => kiln.argMax(a23, 2), 'axis 2', '[2,3]');
    expectKilnError(here(), 'concat', () => kiln.concat([a23, a23], 2), 'axis 2', '[2,3]');
    expectKilnError(here(), 'concat', () => kiln.concat([a23], 2), 'axis 2', '[2,3]');
    expectKilnError(here(), 'gather', () => kiln.gather(a23, [0], 2), 'axis 2', '[2,3]');
    expectKilnError(here(), 'squeeze', () => kiln.squeeze(a23, [0]), 'axis 0', '[2,3]');
    expectKilnError(here(), 'expandDims', () => kiln.expandDims(a23, 3), 'axis 3', '[2,3]');
    expectKilnError(here(), 'stack', () => kiln.stack([a23, a23], -4), 'axis -4', '[2,3]');
  });

  it('an axis of the wrong kind', () => {
    expectKilnError(here(), 'sum', () => kiln.sum(a23, 'rows' as never), 'axis', 'string');
    expectKilnError(here(), 'argMax', () => kiln.argMax(a23, 0.5), 'axis', '0.5');
  });
});

describe('dtype mismatch', () => {
  it('names both dtypes', () => {
    const i23 = kiln.zeros([2, 3], 'int32');
    expectKilnError(here(), 'add', () => kiln.add(a23, i23), 'float32[2,3]', 'int32[2,3]', 'cast');
    const i32 = kiln.zeros([3, 2], 'int32');
    expectKilnError(here(), 'matMul', () => kiln.matMul(a23, i32), 'float32', 'int32');
    expectKilnError(here(), 'logicalAnd', () => kiln.logicalAnd(a23, a23), 'bool', 'float32');
    expectKilnError(here(), 'where', () => kiln.where(a23, 1, 0), 'condition', 'bool', 'float32');
    expectKilnError(here(), 'sqrt', () => kiln.sqrt(i23), 'float32', 'int32[2,3]');
  });

  it('a composite op names itself and the primitive that failed', () => {
    const i2 = kiln.zeros([2], 'int32');
    expectKilnError(here(), 'softmax', () => kiln.softmax(i2), 'exp', 'float32', 'int32[2]');
    expectKilnError(here(), 'squaredDifference', () => kiln.squaredDifference(a23, b45), 'sub', '[2,3]', '[4,5]');
  });

  it('gather with float indices', () => {
    const indices = kiln.tensor([0.5, 1]);
    expectKilnError(here(), 'gather', () => kiln.gather(a23, indices), 'indices', 'int32', 'float32');
  });

  it('an unknown dtype', () => {
    expectKilnError(here(), 'tensor', () => kiln.tensor([1, 2], undefined, 'float64' as kiln.DType), "'float64'", 'float32');
    expectKilnError(here(), 'zeros', () => kiln.zeros([2], 'f64' as kiln.DType), "'f64'");
    expectKilnError(here(), 'cast', () => kiln.cast(a23, 'double' as kiln.DType), "'double'");
    expectKilnError(here(), 'range', () => kiln.range(0, 3, 1, 'float16' as kiln.DType), "'float16'");
    expectKilnError(here(), 'randomUniform', () => kiln.randomUniform([2], { dtype: 'half' as kiln.DType }), "'half'");
  });
});

describe('wrong number of arguments', () => {
  // JS passes a missing argument as undefined; the op names the one it needed.
  type Loose = (...args: unknown[]) => unknown;
  const loose = (f: unknown) => f as Loose;

  it('a missing tensor argument', () => {
    expectKilnError(here(), 'add', () => loose(kiln.add)(a23), "missing argument 'b'");
    expectKilnError(here(), 'neg', () => loose(kiln.neg)(), "missing argument 'x'");
    expectKilnError(here(), 'matMul', () => loose(a23.matMul).call(a23), "missing argument 'b'");
    expectKilnError(here(), 'gather', () => loose(kiln.gather)(a23), "missing argument 'indices'");
  });

  it('a missing non-tensor argument', () => {
    expectKilnError(here(), 'reshape', () => loose(kiln.reshape)(a23), "missing argument 'shape'");
    expectKilnError(here(), 'slice', () => loose(kiln.slice)(a23), "missing argument 'begin'");
    expectKilnError(here(), 'tile', () => loose(kiln.tile)(a23), "missing argument 'reps'");
    expectKilnError(here(), 'pad', () => loose(kiln.pad)(a23), "missing argument 'paddings'");
    expectKilnError(here(), 'broadcastTo', () => loose(kiln.broadcastTo)(a23), "missing argument 'shape'");
    expectKilnError(here(), 'cast', () => loose(kiln.cast)(a23), "missing argument 'dtype'");
    expectKilnError(here(), 'oneHot', () => loose(kiln.oneHot)([0, 1]), "missing argument 'depth'");
    expectKilnError(here(), 'clipByValue', () => loose(kiln.clipByValue)(a23, 0), "missing argument 'clipValueMax'");
    const x = kiln.ones([1, 3, 3, 1]);
    const f = kiln.ones([1, 1, 1, 1]);
    expectKilnError(here(), 'conv2d', () => loose(kiln.conv2d)(x, f), "missing argument 'strides'");
    expectKilnError(here(), 'conv2d', () => loose(kiln.conv2d)(x, f, 1), "missing argument 'pad'");
    expectKilnError(here(), 'maxPool', () => loose(kiln.maxPool)(x, 2), "missing argument 'strides'");
    expectKilnError(here(), 'randomNormal', () => loose(kiln.randomNormal)(), "missing argument 'shape'");
  });
});

describe('a non-tensor where a tensor is needed', () => {
  it('names the argument and what it got', () => {
    expectKilnError(here(), 'add', () => kiln.add(a23, 'x' as never), "argument 'b'", 'string');
    expectKilnError(here(), 'add', () => kiln.add('x' as never, a23), "argument 'a'", 'string');
    expectKilnError(here(), 'add', () => kiln.add([1, 2, 3], {} as never), "argument 'b'", 'object');
    expectKilnError(here(), 'matMul', () => kiln.matMul(a23, null as never), "argument 'b'", 'null');
    expectKilnError(here(), 'tensor', () => kiln.tensor('abc' as never), 'string');
    expectKilnError(here(), 'exp', () => kiln.exp([1, 'two'] as never), 'string', 'values[1]');
  });

  it('a ragged nested array', () => {
    expectKilnError(here(), 'tensor', () => kiln.tensor([[1, 2], [3]]), 'ragged', '[2,2]', 'values[1]');
    expectKilnError(here(), 'add', () => kiln.add(a23, [[1, 2, 3], [4, 5]]), 'ragged', '[2,3]', 'values[1]');
    expectKilnError(here(), 'tensor', () => kiln.tensor([1, 2, 3], [2, 2]), '3 values', '[2,2]');
  });

  it('non-tensor arguments of the wrong kind', () => {
    expectKilnError(here(), 'reshape', () => kiln.reshape(a23, 'flat' as never), "argument 'shape'", "'flat'");
    expectKilnError(here(), 'zeros', () => kiln.zeros([2, 1.5]), "argument 'shape'", '[2,1.5]');
    expectKilnError(here(), 'leakyRelu', () => kiln.leakyRelu(a23, {} as never), "argument 'alpha'");
    expectKilnError(here(), 'tidy', () => kiln.tidy(a23 as never), 'function');
  });
});

describe('disposed tensors', () => {
  it('an op on a disposed tensor', () => {
    const t = kiln.ones([2, 3]);
    t.dispose();
    expectKilnError(here(), 'add', () => kiln.add(t, 1), 'disposed', 'float32[2,3]');
    expectKilnError(here(), 'relu', () => t.relu(), 'disposed', 'float32[2,3]');
    expectKilnError(here(), 'dataSync', () => t.dataSync(), 'disposed', 'float32[2,3]');
  });

  it('reading a disposed tensor asynchronously', async () => {
    const t = kiln.ones([2, 3]);
    t.dispose();
    const at = here(); const pending = t.data();
    const error = await pending.then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(kiln.KilnError);
    expect((error as Error).message).toMatch(/^data: tensor float32\[2,3\] was disposed/);
    expect((error as Error).message).toContain(at);
  });

  it('a disposed tensor passed to a compiled function', () => {
    const t = kiln.ones([2]);
    t.dispose();
    const double = kiln.compile(function double(x: kiln.Tensor) { return x.add(x); });
    expectKilnError(here(), 'double', () => double(t), 'disposed', 'float32[2]');
  });
});

describe('assign', () => {
  it('a wrong shape or dtype throws and leaves the variable unchanged', () => {
    const v = kiln.variable([[1, 2, 3], [4, 5, 6]], true, 'weights');
    expectKilnError(here(), 'assign', () => v.assign(b45), 'weights', 'float32[4,5]', 'float32[2,3]');
    const flags = kiln.ones([2, 3], 'bool');
    expectKilnError(here(), 'assign', () => v.assign(flags), 'bool[2,3]', 'float32[2,3]');
    expectKilnError(here(), 'assign', () => v.assign([[1, 2]]), 'float32[1,2]', 'float32[2,3]');
    expectKilnError(here(), 'add', () => v.assignAdd(b45), '[2,3]', '[4,5]');
    expectKilnError(here(), 'slice', () => v.assignAt([5, 0], 1), '[2,3]');
    expect(v.arraySync()).toEqual([[1, 2, 3], [4, 5, 6]]);
    v.assign([[0, 0, 0], [0, 0, 0]]);
    expect(v.arraySync()).toEqual([[0, 0, 0], [0, 0, 0]]);
  });
});

describe('errors while tracing kiln.compile', () => {
  it('point at the line inside the compiled function and cache nothing', () => {
    const w = kiln.ones([3, 4]);
    let line = '';
    const project = kiln.compile(function project(x: kiln.Tensor) {
      line = here(); const y = kiln.matMul(x, w);
      return y.relu();
    });
    const bad = kiln.ones([2, 5]);
    expectKilnError(() => line, 'matMul', () => project(bad), '[2,5]', '[3,4]');
    expect(line).not.toBe('');
    expect(project.traceCount).toBe(0);
    expect(project.concreteFunctions).toHaveLength(0);
    // A fixed input traces and runs; the failing signature still fails (it was not cached).
    expect(project(kiln.ones([2, 3])).shape).toEqual([2, 4]);
    expect(project.traceCount).toBe(1);
    expectKilnError(line, 'matMul', () => project(bad), '[2,5]', '[3,4]');
    expect(project.traceCount).toBe(1);
  });

  it('a helper in the user file is the location, not kiln', () => {
    const dense = (x: kiln.Tensor, units: number) => kiln.matMul(x, kiln.ones([units, units])); const helperLine = here();
    const net = kiln.compile((x: kiln.Tensor) => dense(x, 4));
    expectKilnError(helperLine, 'matMul', () => net(a23), '[2,3]', '[4,4]');
  });

  it('nothing runs: an assign before the failing op does not happen', () => {
    const v = kiln.variable([1, 2, 3]);
    let line = '';
    const step = kiln.compile((x: kiln.Tensor) => {
      v.assign(x.add(1));
      line = here(); return kiln.matMul(x, x);
    });
    const x = kiln.ones([3]);
    expectKilnError(() => line, 'matMul', () => step(x), '[3]');
    expect(v.arraySync()).toEqual([1, 2, 3]);
  });

  it('the location is the user frame nearest to kiln', () => {
    // Recursion and nested tidy calls in user code sit below the frame that called the op.
    const nest = (depth: number): kiln.Tensor => (depth === 0 ? kiln.softmax(a23, 7) : nest(depth - 1));
    const line = here(); const deep = () => kiln.tidy(() => kiln.tidy(() => kiln.tidy(() => nest(3))));
    const e = expectKilnError('errors.test.ts:', 'softmax', deep, 'axis 7', '[2,3]');
    // The frame nearest to kiln is the one that called softmax: the `nest` line, above `here()`.
    expect(Number(e.location!.split(':').at(-2))).toBe(Number(line.split(':')[1]) - 1);
  });
});

describe('compiled functions called with the wrong arguments', () => {
  // JS semantics: a missing argument is undefined, a new signature that traces; the body's op
  // then names the missing argument at its own line. A ConcreteFunction accepts only its signature.
  const f = kiln.compile(function sum2(x: kiln.Tensor, y: kiln.Tensor) {
    return kiln.add(x, y); // marker: sum2 body
  });
  const bodyLine = (() => {
    const stack = new Error().stack!;
    const m = /errors\.test\.ts:(\d+)/.exec(stack)!;
    return Number(m[1]) - 3; // the `return kiln.add` line, three lines above
  })();

  it('too few arguments to the compiled function', () => {
    expectKilnError(`errors.test.ts:${bodyLine}:`, 'add', () => (f as (...a: unknown[]) => unknown)(a23), "missing argument 'b'");
    expect(f.traceCount).toBe(0);
    expect(f(a23, a23).shape).toEqual([2, 3]);
  });

  it('a concrete function with another signature', () => {
    const cf = f.concrete(a23, a23);
    expectKilnError(here(), 'sum2', () => cf.call(a23), '1 argument', 'float32[2,3]');
    expectKilnError(here(), 'sum2', () => cf.call(a23, a23, a23), '3 arguments');
    expectKilnError(here(), 'sum2', () => cf.call(b45, b45), 'float32[4,5]', 'float32[2,3]');
    expect((cf.call(a23, a23) as kiln.Tensor).shape).toEqual([2, 3]);
  });
});

describe('a tensor made while tracing, used outside', () => {
  it('names the function and the shape', () => {
    let leaked: kiln.Tensor | null = null;
    const f = kiln.compile(function leaky(x: kiln.Tensor) {
      leaked = x.add(1);
      return x.mul(2);
    });
    f(kiln.ones([2, 2]));
    const t = leaked!;
    expectKilnError(here(), 'add', () => kiln.add(t, 1), 'symbolic', "'leaky'", 'float32[2,2]');
    expectKilnError(here(), 'dataSync', () => t.dataSync(), 'symbolic', "'leaky'", 'float32[2,2]');
    const g = kiln.compile(function other(x: kiln.Tensor) { return x.add(t); }); const gLine = here();
    const x = kiln.ones([2, 2]);
    expectKilnError(gLine, 'add', () => g(x), "'leaky'", 'float32[2,2]');
  });
});
