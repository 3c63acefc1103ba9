import { describe, expect, it } from 'vitest';
import * as kiln from '../../src/index.js';
import { expectClose } from '../ops/close.js';

/** GradientTape and the functional gradient API, eagerly and inside kiln.compile. */

const values = async (t: kiln.Tensor | null): Promise<number[]> => {
  expect(t).not.toBeNull();
  return Array.from(await t!.data());
};

describe('GradientTape basics', () => {
  it('the gradient of x² at 3 is 6', async () => {
    const x = kiln.variable(kiln.scalar(3));
    const tape = new kiln.GradientTape();
    const y = tape.record(() => kiln.square(x));
    const [dx] = tape.gradient(y, [x]);
    expect(dx!.shape).toEqual([]);
    expect(await values(dx!)).toEqual([6]);
  });

  /** API.md's example: t is a Variable, two nested tapes. */
  const acceleration = (t: kiln.Variable): kiln.Tensor => {
    const outer = new kiln.GradientTape();
    const speed = outer.record(() => {
      const inner = new kiln.GradientTape();
      const position = inner.record(() => kiln.mul(4.9, kiln.square(t)));
      return inner.gradient(position, [t])[0]!;
    });
    return outer.gradient(speed, [t])[0]!;
  };

  it("a falling body's acceleration is 9.8 (nested tapes), eagerly", async () => {
    const t = kiln.variable(kiln.scalar(2));
    expectClose(await values(acceleration(t)), [9.8], 1e-6, 'eager', 1e-6);
  });

  it("a falling body's acceleration is 9.8 (nested tapes), compiled", async () => {
    const t = kiln.variable(kiln.scalar(2));
    const compiled = kiln.compile(() => acceleration(t));
    expectClose(await values(compiled()), [9.8], 1e-6, 'compiled', 1e-6);
    t.assign(kiln.scalar(5));
    expectClose(await values(compiled()), [9.8], 1e-6, 'compiled, t = 5', 1e-6);
    expect(compiled.traceCount).toBe(1);
  });

  it('a persistent tape gives gradient() twice; a non-persistent one throws the second time', async () => {
    const x = kiln.tensor([1, 2, 3]);
    const persistent = new kiln.GradientTape({ persistent: true });
    persistent.watch(x);
    const y = persistent.record(() => kiln.mul(x, x));
    const z = persistent.record(() => kiln.mul(y, x));
    expect(persistent.gradient(kiln.sum(y), x)).toBeNull(); // sum() ran outside record: not a recorded target
    expect(await values(persistent.gradient(y, x))).toEqual([2, 4, 6]);
    expect(await values(persistent.gradient(z, x))).toEqual([3, 12, 27]);
    persistent.dispose();

    const once = new kiln.GradientTape();
    once.watch(x);
    const w = once.record(() => kiln.mul(x, x));
    expect(await values(once.gradient(w, x))).toEqual([2, 4, 6]);
    expect(() => once.gradient(w, x)).toThrow(kiln.KilnError);
  });

  it('a persistent tape inside kiln.compile', async () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const tape = new kiln.GradientTape({ persistent: true });
      tape.watch(x);
      const y = tape.record(() => kiln.mul(x, x));
      const z = tape.record(() => kiln.mul(y, x));
      return [tape.gradient(y, x)!, tape.gradient(z, x)!];
    });
    const [dy, dz] = f(kiln.tensor([1, 2, 3]));
    expect(await values(dy!)).toEqual([2, 4, 6]);
    expect(await values(dz!)).toEqual([3, 12, 27]);
  });

  it('watch() records a plain tensor; an unwatched one gives null, or zeros with unconnectedGradients', async () => {
    const x = kiln.tensor([1, 2]);
    const u = kiln.tensor([5, 6]);
    const tape = new kiln.GradientTape({ persistent: true });
    tape.watch(x);
    const y = tape.record(() => kiln.sum(kiln.mul(kiln.mul(x, x), u)));
    const [dx, du] = tape.gradient(y, [x, u]);
    expect(await values(dx!)).toEqual([10, 24]);
    expect(du).toBeNull();
    const unrelated = kiln.variable(kiln.tensor([[1, 2, 3]]));
    expect(tape.gradient(y, [unrelated])[0]).toBeNull();
    const [zero] = tape.gradient(y, [unrelated], { unconnectedGradients: 'zero' });
    expect(zero!.shape).toEqual([1, 3]);
    expect(await values(zero!)).toEqual([0, 0, 0]);
    const [dx2, du2] = tape.gradient(y, [x, u], { unconnectedGradients: 'zero' });
    expect(await values(dx2!)).toEqual([10, 24]);
    expect(await values(du2!)).toEqual([0, 0]);
  });

  it('outputGradients seeds the target', async () => {
    const x = kiln.tensor([1, 2, 3]);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => kiln.mul(x, x));
    expect(await values(tape.gradient(y, x, { outputGradients: kiln.tensor([1, 0, -2]) }))).toEqual([2, 0, -12]);
  });

  it('inside kiln.compile, a tensor from outside can be watched and can seed the target', async () => {
    const c = kiln.tensor([1, 2]);
    const seed = kiln.tensor([3, -1]);
    const f = kiln.compile(() => {
      const tape = new kiln.GradientTape({ persistent: true });
      tape.watch(c);
      const y = tape.record(() => kiln.mul(c, c));
      return [tape.gradient(y, c)!, tape.gradient(y, c, { outputGradients: seed })!];
    });
    const [dc, seeded] = f();
    expect(await values(dc!)).toEqual([2, 4]);
    expect(await values(seeded!)).toEqual([6, -4]);
  });

  it('the gradient of a watched tensor with respect to itself is ones', async () => {
    const x = kiln.tensor([1, 2]);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    expect(await values(tape.gradient(x, x))).toEqual([1, 1]);
  });

  /** Every read of a variable counts, also one after an assignment (as TensorFlow's reads of the handle). */
  const assignedInRecord = (v: kiln.Variable): kiln.Tensor => {
    const tape = new kiln.GradientTape();
    const y = tape.record(() => {
      const a = kiln.mul(v, v);
      v.assign(kiln.tensor([5, 5]));
      return kiln.sum(kiln.add(a, kiln.mul(v, 2)));
    });
    return tape.gradient(y, [v])[0]!;
  };

  it('a variable assigned while recording: both reads are differentiated, eagerly and compiled', async () => {
    expect(await values(assignedInRecord(kiln.variable([1, 2])))).toEqual([4, 6]);
    const v = kiln.variable([1, 2]);
    expect(await values(kiln.compile(() => assignedInRecord(v))())).toEqual([4, 6]);
  });

  it('gradients use the values the forward pass read, even after a variable is assigned', async () => {
    const v = kiln.variable([1, 2]);
    const tape = new kiln.GradientTape();
    const y = tape.record(() => kiln.sum(kiln.square(v)));
    v.assign(kiln.tensor([10, 10]));
    expect(await values(tape.gradient(y, [v])[0]!)).toEqual([2, 4]);
    // The same with an outer tape recording, where the gradient runs op by op.
    const w = kiln.variable([1, 2]);
    const outer = new kiln.GradientTape();
    const g = outer.record(() => {
      const inner = new kiln.GradientTape();
      const z = inner.record(() => kiln.sum(kiln.square(w)));
      w.assign(kiln.tensor([10, 10]));
      return inner.gradient(z, [w])[0]!;
    });
    expect(await values(g)).toEqual([2, 4]);
  });

  it('a compiled function called while an eager tape records is differentiated through', async () => {
    const f = kiln.compile((x: kiln.Tensor) => kiln.sum(kiln.square(x)));
    const x = kiln.tensor([1, 2]);
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => f(x));
    expect(await values(tape.gradient(y, x))).toEqual([2, 4]);
    expect(await values(kiln.grad(f)(x))).toEqual([2, 4]);
    expect(await values(f(x))).toEqual([5]); // and runs compiled when no tape records
    expect(f.traceCount).toBe(1);
  });

  /** y = x² + (3x, computed without recording): dy/dx = 2x, the unrecorded part is a constant. */
  const withStopRecording = (x: kiln.Tensor): kiln.Tensor => {
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => {
      const unrecorded = tape.stopRecording(() => kiln.mul(x, 3));
      return kiln.add(kiln.mul(x, x), kiln.mul(unrecorded, x));
    });
    return tape.gradient(y, x)!;
  };

  it('stopRecording: ops inside it are constants of the gradient, eagerly and compiled', async () => {
    // y = x² + (3x)·x with 3x unrecorded: dy/dx = 2x + 3x.
    expect(await values(withStopRecording(kiln.tensor([1, 2])))).toEqual([5, 10]);
    expect(await values(kiln.compile(withStopRecording)(kiln.tensor([1, 2])))).toEqual([5, 10]);
  });

  const withStopGradient = (x: kiln.Tensor): kiln.Tensor => {
    const tape = new kiln.GradientTape();
    tape.watch(x);
    const y = tape.record(() => kiln.mul(kiln.stopGradient(kiln.mul(x, x)), x));
    return tape.gradient(y, x)!;
  };

  it('stopGradient: nothing flows through it, eagerly and compiled', async () => {
    // y = sg(x²)·x: dy/dx = x².
    expect(await values(withStopGradient(kiln.tensor([1, 2, 3])))).toEqual([1, 4, 9]);
    expect(await values(kiln.compile(withStopGradient)(kiln.tensor([1, 2, 3])))).toEqual([1, 4, 9]);
    const tape = new kiln.GradientTape();
    const x = kiln.tensor([2]);
    tape.watch(x);
    const y = tape.record(() => kiln.stopGradient(kiln.mul(x, x)));
    expect(tape.gradient(y, x)).toBeNull();
  });
});

describe('customGrad', () => {
  // tfjs's example (f(x) = x², gradFunc = dy · 2x) with a deliberately different gradient, 3x.
  // Written as in tfjs's documentation, without annotations.
  const customSquare = kiln.customGrad((x, save) => {
    save([x]);
    return { value: x.square(), gradFunc: (dy, saved) => [dy.mul(saved[0]!.mul(3))] };
  });

  it('uses the given gradient, eagerly', async () => {
    const x = kiln.tensor([1, 2, -3]);
    expect(await values(customSquare(x))).toEqual([1, 4, 9]);
    expect(await values(kiln.grad((t) => customSquare(t))(x))).toEqual([3, 6, -9]);
    // Through the chain rule: d/dx sum(2·f(x)) = 2 · 3x.
    expect(await values(kiln.grad((t) => kiln.sum(kiln.mul(customSquare(t), 2)))(x))).toEqual([6, 12, -18]);
  });

  it('with two inputs', async () => {
    // value a·b, gradients (dy, -dy) on purpose.
    const f = kiln.customGrad((a: kiln.Tensor, b: kiln.Tensor, save: kiln.GradSaveFunc) => {
      save([]);
      return { value: kiln.mul(a, b), gradFunc: (dy: kiln.Tensor) => [dy, kiln.neg(dy)] };
    });
    const [da, db] = kiln.grads((a, b) => kiln.sum(f(a, b)))([kiln.tensor([1, 2]), kiln.tensor([3, 4])]);
    expect(await values(da!)).toEqual([1, 1]);
    expect(await values(db!)).toEqual([-1, -1]);
  });

  it('uses the given gradient, compiled', async () => {
    const f = kiln.compile((x: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(x);
      const y = tape.record(() => kiln.sum(kiln.mul(customSquare(x), 2)));
      return { y, dx: tape.gradient(y, x)! };
    });
    const { y, dx } = f(kiln.tensor([1, 2, -3]));
    expect(await values(y)).toEqual([28]);
    expect(await values(dx)).toEqual([6, 12, -18]);
  });
});

describe('grad, grads, valueAndGrad, valueAndGrads', () => {
  it('grad and valueAndGrad', async () => {
    const f = (x: kiln.Tensor) => kiln.sum(kiln.mul(kiln.square(x), 0.5));
    expect(await values(kiln.grad(f)(kiln.tensor([1, -2, 3])))).toEqual([1, -2, 3]);
    const { value, grad } = kiln.valueAndGrad(f)(kiln.tensor([1, -2, 3]));
    expect(await values(value)).toEqual([7]);
    expect(await values(grad)).toEqual([1, -2, 3]);
    // dy scales the gradient, as tf.grad's second argument.
    expect(await values(kiln.grad((x) => kiln.square(x))(kiln.tensor([1, 2]), kiln.tensor([3, -1])))).toEqual([6, -4]);
  });

  it('grads and valueAndGrads', async () => {
    const f = (a: kiln.Tensor, b: kiln.Tensor) => kiln.sum(kiln.mul(a, b));
    const [da, db] = kiln.grads(f)([kiln.tensor([1, 2]), kiln.tensor([3, 4])]);
    expect(await values(da!)).toEqual([3, 4]);
    expect(await values(db!)).toEqual([1, 2]);
    const { value, grads } = kiln.valueAndGrads(f)([[1, 2], [3, 4]]);
    expect(await values(value)).toEqual([11]);
    expect(await Promise.all(grads.map(values))).toEqual([[3, 4], [1, 2]]);
  });

  it('grad of a function that ignores its argument throws a KilnError', () => {
    expect(() => kiln.grad(() => kiln.scalar(1))(kiln.scalar(2))).toThrow(kiln.KilnError);
  });

  it('grad inside kiln.compile', async () => {
    const df = kiln.compile((x: kiln.Tensor) => kiln.grad((t) => kiln.sum(kiln.sin(t)))(x));
    expectClose(await values(df(kiln.tensor([0, 1, 2]))), [1, Math.cos(1), Math.cos(2)], 1e-6, 'grad', 1e-6);
  });
});

describe('training with tapes', () => {
  const xData = [[0.5, -1.2, 0.3], [1.1, 0.4, -0.7], [-0.6, 0.9, 1.5], [0.2, -0.3, -1.1], [1.4, 1.0, 0.2]];
  const wData = [[0.3, -0.5, 0.8, 0.1], [-0.7, 0.2, 0.4, -0.9], [0.6, 0.9, -0.2, 0.5]];
  const bData = [0.1, -0.2, 0.05, 0.3];

  it('a dense layer relu(xW + b) with loss sum(y): gradients of W and b in closed form', async () => {
    const W = kiln.variable(wData);
    const b = kiln.variable(bData);
    const x = kiln.tensor(xData);
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.sum(kiln.relu(kiln.add(kiln.matMul(x, W), b))));
    const [dW, db] = tape.gradient(loss, [W, b]);
    // dL/dW[i][j] = Σ_n x[n][i]·[z[n][j] > 0], dL/db[j] = Σ_n [z[n][j] > 0], z = xW + b.
    const active = xData.map((row) => bData.map((bj, j) => (row.reduce((s, xi, i) => s + xi * wData[i]![j]!, bj) > 0 ? 1 : 0)));
    const expectedW = wData.map((_, i) => bData.map((_, j) => xData.reduce((s, row, n) => s + row[i]! * active[n]![j]!, 0)));
    const expectedB = bData.map((_, j) => active.reduce((s, row) => s + row[j]!, 0));
    expect(dW!.shape).toEqual([3, 4]);
    expectClose(await values(dW!), expectedW.flat(), 1e-6, 'dW', 1e-6);
    expectClose(await values(db!), expectedB, 1e-6, 'db', 1e-6);
  });

  it('the compiled dense-layer step is one graph: forward and backward', () => {
    const W = kiln.variable(wData);
    const b = kiln.variable(bData);
    const step = kiln.compile((x: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => kiln.sum(kiln.relu(kiln.add(kiln.matMul(x, W), b))));
      const [dW, db] = tape.gradient(loss, [W, b]);
      W.assignSub(dW!.mul(0.1));
      b.assignSub(db!.mul(0.1));
      return loss;
    });
    const x = kiln.tensor(xData);
    step(x);
    const cf = step.concrete(x);
    const ir = cf.graph.toString();
    expect(ir).toMatch(/= matMul %\d+, %\d+ \{transposeA=false, transposeB=false\}/); // forward xW
    expect(ir).toMatch(/= matMul %\d+, %\d+ \{transposeA=true, transposeB=false\}/); // dW = xᵀ dy
    expect(ir).toContain('relu');
    expect(ir).toContain('assignVariable');
    console.log(`dense-layer train step: cf.stats.nodes = ${cf.stats.nodes}`, cf.stats);
    // dx of the same layer is xᵀ's partner: dy Wᵀ, a matMul with transposeB=true.
    const withInputGradient = kiln.compile((xs: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      tape.watch(xs);
      const loss = tape.record(() => kiln.sum(kiln.relu(kiln.add(kiln.matMul(xs, W), b))));
      return tape.gradient(loss, [xs, W, b]);
    });
    withInputGradient(x);
    expect(withInputGradient.concrete(x).graph.toString()).toMatch(/= matMul %\d+, %\d+ \{transposeA=false, transposeB=true\}/);
  });

  it('linear regression by compiled gradient descent reaches the least-squares solution', async () => {
    const n = 32;
    const xs = Array.from({ length: n }, (_, i) => -2 + (4 * i) / (n - 1));
    const ys = xs.map((x, i) => 1.7 * x - 0.4 + 0.3 * Math.sin(3.1 * i));
    const mx = xs.reduce((s, v) => s + v, 0) / n;
    const my = ys.reduce((s, v) => s + v, 0) / n;
    const slope = xs.reduce((s, x, i) => s + (x - mx) * (ys[i]! - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
    const intercept = my - slope * mx;

    const w = kiln.variable(kiln.scalar(0));
    const b = kiln.variable(kiln.scalar(0));
    const step = kiln.compile((x: kiln.Tensor, y: kiln.Tensor) => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => kiln.mean(kiln.square(kiln.sub(kiln.add(kiln.mul(w, x), b), y))));
      const [dw, db] = tape.gradient(loss, [w, b]);
      w.assignSub(dw!.mul(0.2));
      b.assignSub(db!.mul(0.2));
      return loss;
    });
    const x = kiln.tensor(xs);
    const y = kiln.tensor(ys);
    for (let i = 0; i < 200; i++) step(x, y).dispose();
    expect(step.traceCount).toBe(1);
    expect(Math.abs((await w.data())[0]! - slope)).toBeLessThan(1e-3);
    expect(Math.abs((await b.data())[0]! - intercept)).toBeLessThan(1e-3);
  });

  it('1,000 eager tape steps leave kiln.memory() as it was', () => {
    const W = kiln.variable(kiln.tensor(wData));
    const b = kiln.variable(kiln.tensor(bData));
    const x = kiln.tensor(xData);
    const step = () => {
      const tape = new kiln.GradientTape();
      const loss = tape.record(() => kiln.tidy(() => kiln.mean(kiln.square(kiln.relu(kiln.add(kiln.matMul(x, W), b))))));
      const grads = tape.gradient(loss, [W, b]);
      kiln.tidy(() => {
        W.assignSub(grads[0]!.mul(0.01));
        b.assignSub(grads[1]!.mul(0.01));
      });
      kiln.dispose([loss, grads]);
    };
    step(); // warms the caches
    const before = kiln.memory();
    for (let i = 0; i < 1000; i++) step();
    const after = kiln.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numBytes).toBe(before.numBytes);
  });
});
