// Chapter 3-5: from Bayes' rule to logistic regression.
//   1. Two urns: A holds 7 red and 3 blue balls, B holds 2 red and 8 blue. A die picks the urn
//      (A on 1 or 2, B otherwise), and a ball is drawn: it is red. Which urn was it? Bayes' rule
//      by hand, the same with tensors, and checked by simulating 200,000 draws.
//   2. Two classes of points drawn from Gaussians with the same spread: Bayes' rule gives
//      P(class 1 | x) = sigmoid(w·x + b) exactly, so a logistic regression (a sigmoid of a
//      linear function, trained by a compiled gradient step) can learn it from samples.
// `npx tsx examples/logistic-regression.ts [--quick]`
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

export interface LogisticRegressionResult {
  readonly urns: {
    /** P(A | red), P(B | red) by hand, with tensors, and the share in the simulation. */
    readonly byHand: readonly [number, number];
    readonly withTensors: readonly [number, number];
    readonly simulated: number;
  };
  readonly classifier: {
    readonly w: readonly [number, number];
    readonly b: number;
    readonly bayesW: readonly [number, number];
    readonly bayesB: number;
    readonly trainAccuracy: number;
    readonly testAccuracy: number;
    readonly losses: readonly number[];
    readonly traceCount: number;
  };
}

const pair = (d: ArrayLike<number>): [number, number] => [d[0]!, d[1]!];
const scalarOf = async (t: kiln.Tensor) => (await t.data())[0]!;

async function urns(log: (...parts: unknown[]) => void): Promise<LogisticRegressionResult['urns']> {
  const prior = { A: 2 / 6, B: 4 / 6 };
  const red = { A: 7 / 10, B: 2 / 10 };
  // P(urn | red) = P(red | urn) · P(urn) / P(red), with P(red) = Σ over urns of P(red | urn) · P(urn).
  const evidence = red.A * prior.A + red.B * prior.B;
  const byHand: [number, number] = [(red.A * prior.A) / evidence, (red.B * prior.B) / evidence];
  log('1. Bayes\' rule: urn A (7 red, 3 blue) is picked with probability 2/6, urn B (2 red, 8 blue) with 4/6; a red ball is drawn.');
  log(`   by hand: P(red) = 0.7·(1/3) + 0.2·(2/3) = ${evidence.toFixed(4)}`);
  log(`            P(A | red) = 0.7·(1/3) / P(red) = ${byHand[0].toFixed(4)}, P(B | red) = ${byHand[1].toFixed(4)}`);

  const joint = kiln.mul(kiln.tensor([red.A, red.B]), kiln.tensor([prior.A, prior.B]));
  const posterior = joint.div(kiln.sum(joint));
  const withTensors = pair(await posterior.data());
  log('   with tensors: likelihood · prior / sum =', posterior.toString());

  // Simulation: draw an urn, then a ball from it; among the red balls, how many came from A?
  const draws = 200_000;
  const pickA = kiln.less(kiln.randomUniform([draws], { seed: 1 }), prior.A);
  const u = kiln.randomUniform([draws], { seed: 2 });
  const isRed = kiln.where(pickA, kiln.less(u, red.A), kiln.less(u, red.B));
  const redFromA = await scalarOf(kiln.sum(kiln.cast(kiln.logicalAnd(pickA, isRed), 'float32')));
  const reds = await scalarOf(kiln.sum(kiln.cast(isRed, 'float32')));
  const simulated = redFromA / reds;
  const standardError = Math.sqrt((simulated * (1 - simulated)) / reds);
  log(`   simulated: ${reds} of ${draws} draws were red, ${redFromA} of them from A: ${simulated.toFixed(4)} ± ${standardError.toFixed(4)}`);
  return { byHand, withTensors, simulated };
}

/** `n` points per class around mu0 (label 0) and mu1 (label 1), unit spread: x [2n, 2], y [2n, 1]. */
function gaussianClasses(n: number, mu0: readonly number[], mu1: readonly number[], seed: number): [kiln.Tensor, kiln.Tensor] {
  const x0 = kiln.randomNormal([n, 2], { seed }).add(kiln.tensor([...mu0]));
  const x1 = kiln.randomNormal([n, 2], { seed: seed + 1 }).add(kiln.tensor([...mu1]));
  return [kiln.concat([x0, x1], 0), kiln.concat([kiln.zeros([n, 1]), kiln.ones([n, 1])], 0)];
}

async function classifier(options: ExampleOptions, log: (...parts: unknown[]) => void): Promise<LogisticRegressionResult['classifier']> {
  const mu0 = [-1, -1];
  const mu1 = [1.5, 1.5];
  // With identity covariance and equal priors, log P(1|x)/P(0|x) = (μ1 − μ0)·x − (|μ1|² − |μ0|²)/2.
  const bayesW: [number, number] = [mu1[0]! - mu0[0]!, mu1[1]! - mu0[1]!];
  const bayesB = -((mu1[0]! ** 2 + mu1[1]! ** 2) - (mu0[0]! ** 2 + mu0[1]! ** 2)) / 2;
  const [xTrain, yTrain] = gaussianClasses(400, mu0, mu1, 11);
  const [xTest, yTest] = gaussianClasses(100, mu0, mu1, 21);
  log(`\n2. logistic regression: class 0 ~ N([${mu0}], I), class 1 ~ N([${mu1}], I); 800 training and 200 test points`);

  const w = kiln.variable(kiln.zeros([2, 1]), true, 'w');
  const b = kiln.variable(kiln.zeros([1]), true, 'b');
  const logits = (x: kiln.Tensor) => kiln.matMul(x, w).add(b);
  const accuracy = (x: kiln.Tensor, y: kiln.Tensor) => kiln.mean(kiln.cast(kiln.equal(kiln.cast(kiln.greater(logits(x), 0), 'float32'), y), 'float32'));
  const learningRate = 0.5;
  const trainStep = kiln.compile(function trainStep(x: kiln.Tensor, y: kiln.Tensor) {
    const tape = new kiln.GradientTape();
    const loss = tape.record(() => kiln.mean(kiln.nn.sigmoidCrossEntropyWithLogits(y, logits(x))));
    const [dw, db] = tape.gradient(loss, [w, b]);
    w.assignSub(dw!.mul(learningRate));
    b.assignSub(db!.mul(learningRate));
    return loss;
  });
  const steps = options.quick ? 100 : 400;
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const loss = trainStep(xTrain, yTrain);
    losses.push(await scalarOf(loss));
    loss.dispose();
    if (step % (steps / 4) === 0 || step === steps - 1) log(`   step ${String(step).padStart(3)}: cross-entropy ${losses.at(-1)!.toFixed(4)}`);
  }
  const learnedW = pair(await w.data());
  const learnedB = await scalarOf(b);
  const trainAccuracy = await scalarOf(accuracy(xTrain, yTrain));
  const testAccuracy = await scalarOf(accuracy(xTest, yTest));
  log(`   learned:      P(1 | x) = sigmoid(${learnedW[0].toFixed(3)}·x₀ + ${learnedW[1].toFixed(3)}·x₁ + ${learnedB.toFixed(3)})`);
  log(`   Bayes' rule:  P(1 | x) = sigmoid(${bayesW[0].toFixed(3)}·x₀ + ${bayesW[1].toFixed(3)}·x₁ + ${bayesB.toFixed(3)})`);
  const origin = kiln.sigmoid(logits(kiln.zeros([1, 2])));
  log(`   at x = (0, 0): learned P(1 | x) = ${(await scalarOf(origin)).toFixed(3)}, Bayes ${(1 / (1 + Math.exp(-bayesB))).toFixed(3)}`);
  log(`   accuracy: train ${trainAccuracy.toFixed(3)}, test ${testAccuracy.toFixed(3)}; trainStep traced ${trainStep.traceCount} time(s)`);
  return { w: learnedW, b: learnedB, bayesW, bayesB, trainAccuracy, testAccuracy, losses, traceCount: trainStep.traceCount };
}

export async function main(options: ExampleOptions = {}): Promise<LogisticRegressionResult> {
  const log = printer(options);
  return { urns: await urns(log), classifier: await classifier(options, log) };
}

runIfMain(import.meta.url, main);
