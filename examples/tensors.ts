// Chapters 2-2 and 3-3: tensors and variables. Creating tensors, changing variables in place,
// tensor math with broadcasting, and gradients: d/dx x² at 3, and a second derivative through
// two nested tapes (a falling stone's position 4.9 t², speed 9.8 t, acceleration 9.8).
// `npx tsx examples/tensors.ts`
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

export interface TensorsResult {
  /** The variable after each change: assign, assignAdd, assignSub, assignAt. */
  readonly variableSteps: number[][][];
  readonly broadcastSum: number[][];
  readonly product: number[][];
  readonly sums: { readonly all: number; readonly columns: number[]; readonly rows: number[] };
  /** d/dx x² at x = 3. */
  readonly gradient: number;
  /** d²/dt² 4.9 t² (at t = 1.5). */
  readonly acceleration: number;
  /** d/dt 4.9 t² at t = 1.5. */
  readonly speed: number;
}

const values2d = async (t: kiln.Tensor) => (await t.array()) as number[][];
const valueOf = async (t: kiln.Tensor) => (await t.data())[0]!;

export async function main(options: ExampleOptions = {}): Promise<TensorsResult> {
  const log = printer(options);
  const section = (title: string) => log(`\n── ${title} ${'─'.repeat(Math.max(0, 60 - title.length))}`);

  section('Creating tensors');
  log('kiln.tensor([[1, 4], [9, 16]]) =', kiln.tensor([[1, 4], [9, 16]]).toString());
  log('kiln.zeros([2, 3], "int32") =', kiln.zeros([2, 3], 'int32').toString());
  log('kiln.ones([2, 1]) =', kiln.ones([2, 1]).toString());
  // The same seed gives the same numbers on every run.
  log('kiln.randomNormal([3, 1], { seed: 7 }) =', kiln.randomNormal([3, 1], { mean: 0, stddev: 1, seed: 7 }).toString());
  log('kiln.range(0, 10) =', kiln.range(0, 10).toString());
  log('kiln.eye(3) =', kiln.eye(3).toString());
  const a = kiln.tensor([[1, 2, 3], [4, 5, 6]]);
  log(`a.shape = [${a.shape}], a.dtype = ${a.dtype}, a.rank = ${a.rank}, a.size = ${a.size}`);

  section('Variables change in place');
  const v = kiln.variable([[3, 1, 3], [2, 3, 2]]);
  const variableSteps: number[][][] = [await values2d(v)];
  log('v =', v.toString());
  const steps: [string, () => void][] = [
    ['v.assign(kiln.ones([2, 3]))', () => v.assign(kiln.ones([2, 3]))],
    ['v.assignAdd(kiln.ones([2, 3]))', () => v.assignAdd(kiln.ones([2, 3]))],
    ['v.assignSub(kiln.ones([2, 3]).mul(2))', () => v.assignSub(kiln.ones([2, 3]).mul(2))],
    ['v.assignAt([0, 0], 5)', () => v.assignAt([0, 0], 5)],
  ];
  for (const [code, change] of steps) {
    kiln.tidy(change);
    variableSteps.push(await values2d(v));
    log(`${code} →`, v.toString());
  }
  try {
    v.assign(kiln.ones([3, 2]));
  } catch (error) {
    log(`v.assign(kiln.ones([3, 2])) throws:\n  ${(error as Error).message.split('\n')[0]}`);
  }
  log('and leaves v as it was:', v.toString());

  section('Tensor math');
  const column = kiln.tensor([[10], [20]]);
  const broadcast = a.add(column);   // [2, 3] + [2, 1]: the column is repeated across the row
  log('a =', a.toString());
  log('a + [[10], [20]] (broadcast) =', broadcast.toString());
  const product = kiln.matMul(a, kiln.transpose(a));
  log('a · aᵀ =', product.toString());
  const sums = { all: await valueOf(kiln.sum(a)), columns: Array.from(await kiln.sum(a, 0).data()), rows: Array.from(await kiln.sum(a, 1).data()) };
  log(`sum(a) = ${sums.all}, sum over rows (axis 0) = [${sums.columns}], over columns (axis 1) = [${sums.rows}]`);
  log('mean(a, 1) =', kiln.mean(a, 1).toString(), ' max(a) =', kiln.max(a).toString());
  log('square(a).sqrt() equals a:', (await kiln.equal(kiln.square(a).sqrt(), a).all().data())[0] === 1);

  section('Gradients');
  const x = kiln.variable(3);
  const tape = new kiln.GradientTape();
  const y = tape.record(() => kiln.square(x));
  const [dydx] = tape.gradient(y, [x]);
  const gradient = await valueOf(dydx!);
  log(`y = x², x = 3: dy/dx = ${gradient}`);

  // A second derivative: the inner tape's gradient is itself recorded by the outer tape.
  const t = kiln.variable(1.5);
  const outer = new kiln.GradientTape();
  const speedTensor = outer.record(() => {
    const inner = new kiln.GradientTape();
    const position = inner.record(() => kiln.mul(4.9, kiln.square(t)));
    return inner.gradient(position, [t])[0]!;
  });
  const [accelerationTensor] = outer.gradient(speedTensor, [t]);
  const speed = await valueOf(speedTensor);
  const acceleration = await valueOf(accelerationTensor!);
  log(`position = 4.9 t², t = 1.5: speed = ${speed.toFixed(2)}, acceleration = ${acceleration.toFixed(2)}`);

  return {
    variableSteps, broadcastSum: await values2d(broadcast), product: await values2d(product), sums, gradient, acceleration, speed,
  };
}

runIfMain(import.meta.url, main);
