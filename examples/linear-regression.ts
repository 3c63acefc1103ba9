// Chapter 3-4: linear regression three ways. Data y = w·x + b + noise (seeded), then the
// (w, b) that minimize the mean squared error found by
//   1. brute force: the error of every (w, b) on a grid, coarse and then fine, all at once with broadcasting;
//   2. the closed form of least squares: w = cov(x, y) / var(x), b = mean(y) − w·mean(x);
//   3. gradient descent: a compiled step (kiln.compile + GradientTape + assignSub), called in a loop.
// The three must agree. `npx tsx examples/linear-regression.ts [--quick]`
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

export interface Fit {
  readonly w: number;
  readonly b: number;
  readonly mse: number;
}

export interface LinearRegressionResult {
  readonly truth: { readonly w: number; readonly b: number };
  readonly grid: Fit;
  readonly closedForm: Fit;
  readonly gradientDescent: Fit & { readonly steps: number; readonly traceCount: number };
}

const TRUE_W = 3;
const TRUE_B = -1;
const SAMPLES = 200;

const scalarOf = async (t: kiln.Tensor) => (await t.data())[0]!;

/** The mean squared error of y ≈ w·x + b. */
function meanSquaredError(x: kiln.Tensor, y: kiln.Tensor, w: kiln.TensorLike, b: kiln.TensorLike): kiln.Tensor {
  return kiln.mean(kiln.square(kiln.add(kiln.mul(x, w), b).sub(y)));
}

/** The best (w, b) of a grid: every pair's error at once, as a [ws, bs] tensor (x, y are [n]). */
async function searchGrid(x: kiln.Tensor, y: kiln.Tensor, ws: kiln.Tensor, bs: kiln.Tensor): Promise<Fit> {
  const errors = kiln.tidy(() => {
    // [ws, 1, 1] · [1, 1, n] + [1, bs, 1] → predictions of every pair for every sample: [ws, bs, n].
    const predictions = kiln.add(kiln.mul(ws.reshape([-1, 1, 1]), x.reshape([1, 1, -1])), bs.reshape([1, -1, 1]));
    return kiln.mean(kiln.square(predictions.sub(y.reshape([1, 1, -1]))), 2);
  });
  const best = await scalarOf(kiln.argMin(errors.reshape([-1])));
  const i = Math.floor(best / bs.size);
  const j = best % bs.size;
  const fit = { w: (await ws.data())[i]!, b: (await bs.data())[j]!, mse: (await errors.data())[best]! };
  errors.dispose();
  return fit;
}

/** `count` evenly spaced values from `start` with spacing `step`. */
const grid = (start: number, step: number, count: number) => kiln.range(0, count).mul(step).add(start);

export async function main(options: ExampleOptions = {}): Promise<LinearRegressionResult> {
  const log = printer(options);
  const x = kiln.randomUniform([SAMPLES], { minval: -2, maxval: 2, seed: 1 });
  const noise = kiln.randomNormal([SAMPLES], { stddev: 0.5, seed: 2 });
  const y = kiln.add(kiln.mul(x, TRUE_W), TRUE_B).add(noise);
  log(`${SAMPLES} samples of y = ${TRUE_W}·x + (${TRUE_B}) + noise (σ = 0.5), x uniform in [-2, 2]`);

  // 1. Brute force: a coarse grid over [-10, 10]², then a fine one around its best point.
  const coarse = await searchGrid(x, y, grid(-10, 0.25, 81), grid(-10, 0.25, 81));
  const fineGrid = await searchGrid(x, y, grid(coarse.w - 0.25, 0.005, 101), grid(coarse.b - 0.25, 0.005, 101));
  log(`\n1. grid search: 81×81 pairs with step 0.25 → w ≈ ${coarse.w}, b ≈ ${coarse.b}; then 101×101 with step 0.005 around it`);

  // 2. Least squares in closed form.
  const [xMean, yMean] = [kiln.mean(x), kiln.mean(y)];
  const [dx, dy] = [x.sub(xMean), y.sub(yMean)];
  const wHat = kiln.sum(dx.mul(dy)).div(kiln.sum(dx.square()));
  const bHat = yMean.sub(wHat.mul(xMean));
  const closedForm = { w: await scalarOf(wHat), b: await scalarOf(bHat), mse: await scalarOf(meanSquaredError(x, y, wHat, bHat)) };
  log('2. closed form: w = Σ(x − x̄)(y − ȳ) / Σ(x − x̄)², b = ȳ − w·x̄');

  // 3. Gradient descent: one compiled program computes the loss, its gradients and the update.
  const w = kiln.variable(0, true, 'w');
  const b = kiln.variable(0, true, 'b');
  const learningRate = 0.1;
  const trainStep = kiln.compile(function trainStep(xs: kiln.Tensor, ys: kiln.Tensor) {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => meanSquaredError(xs, ys, w, b));
    const [dw, db] = tape.gradient(loss, [w, b]);
    w.assignSub(dw!.mul(learningRate));
    b.assignSub(db!.mul(learningRate));
    return loss;
  });
  const steps = options.quick ? 150 : 500;
  log(`3. gradient descent: ${steps} steps of the compiled trainStep, learning rate ${learningRate}`);
  const shown = new Set([0, 1, 2, 5, 10, 20, 50, 100, steps - 1]);
  for (let step = 0; step < steps; step++) {
    const loss = trainStep(x, y);
    if (shown.has(step)) log(`   step ${String(step).padStart(3)}: loss ${(await scalarOf(loss)).toFixed(5)}, w ${(await scalarOf(w)).toFixed(4)}, b ${(await scalarOf(b)).toFixed(4)}`);
    loss.dispose();
  }
  const gradientDescent = {
    w: await scalarOf(w), b: await scalarOf(b), mse: await scalarOf(meanSquaredError(x, y, w, b)), steps, traceCount: trainStep.traceCount,
  };
  log(`   trainStep was traced ${trainStep.traceCount} time(s); every other call ran the compiled program`);

  const rows: [string, Fit][] = [['grid search', fineGrid], ['closed form', closedForm], ['gradient descent', gradientDescent]];
  log('\nmethod              w         b         mse');
  for (const [name, fit] of rows) log(`${name.padEnd(18)}  ${fit.w.toFixed(4).padStart(8)}  ${fit.b.toFixed(4).padStart(8)}  ${fit.mse.toFixed(5)}`);
  log(`${'(the truth)'.padEnd(18)}  ${TRUE_W.toFixed(4).padStart(8)}  ${TRUE_B.toFixed(4).padStart(8)}`);
  const gap = Math.max(...rows.flatMap(([, f]) => [Math.abs(f.w - closedForm.w), Math.abs(f.b - closedForm.b)]));
  if (gap > 1e-2) throw new Error(`the three methods disagree by ${gap}`);
  log(`the three agree within ${gap.toExponential(1)}`);
  return { truth: { w: TRUE_W, b: TRUE_B }, grid: fineGrid, closedForm, gradientDescent };
}

runIfMain(import.meta.url, main);
