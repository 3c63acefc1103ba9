import { composite } from './memory.js';
import { KilnError, type DType } from '../ir/index.js';
import { applyOp, currentTrace, outsideTraces, Tensor, Variable } from '../trace/index.js';
import { dtypeArg, intListArg } from './args.js';
import { hostTensor, fromHost } from './convert.js';
import { add, cast, floor, mul } from './ops/elementwise.js';

export interface RandomNormalOptions { readonly mean?: number; readonly stddev?: number; readonly seed?: number; readonly dtype?: 'float32' }
export interface RandomUniformOptions { readonly minval?: number; readonly maxval?: number; readonly seed?: number; readonly dtype?: DType }

let globalSeed = 0x5eed;
let generator: Variable | null = null;

/** Resets the stream that unseeded random ops draw from (as tf.random.set_seed). */
export const setRandomSeed = composite(function setRandomSeed(seed: number): void {
  globalSeed = seed | 0;
  if (generator) {
    outsideTraces(() => {
      const seedTensor = fromHost(hostTensor('setRandomSeed', globalSeed, [], 'int32'));
      applyOp('assignVariable', [seedTensor], { variable: generator! }).dispose();
      seedTensor.dispose();
    });
  }
});

/**
 * The seed tensor of one random op. A given seed always gives the same values, eager or
 * compiled. Without one, the op draws the next seed from a global generator variable, so
 * compiled calls give new values every call, as they do eagerly.
 */
function seedFor(op: string, seed: number | undefined): Tensor {
  if (seed !== undefined) {
    if (!Number.isInteger(seed)) throw new KilnError(`seed must be an integer, got ${seed}`, { op });
    return fromHost(hostTensor(op, seed | 0, [], 'int32'));
  }
  generator ??= outsideTraces(() => new Variable(fromHost(hostTensor(op, globalSeed, [], 'int32')), { trainable: false, name: 'random_generator' }));
  const current = applyOp('identity', [generator]);
  const one = fromHost(hostTensor(op, 1, [], 'int32'));
  const next = applyOp('add', [generator, one]);
  const written = applyOp('assignVariable', [next], { variable: generator });
  if (!currentTrace()) for (const t of [one, next, written]) t.dispose();
  return current;
}

function checkShape(op: string, shape: readonly number[]): number[] {
  return intListArg(op, 'shape', shape);
}

export const randomNormal = composite(function randomNormal(shape: readonly number[], options: RandomNormalOptions = {}): Tensor {
  const s = checkShape('randomNormal', shape);
  const { mean = 0, stddev = 1 } = options;
  const z = applyOp('randomNormal', [seedFor('randomNormal', options.seed)], { shape: s });
  const scaled = stddev === 1 ? z : mul(z, stddev);
  return mean === 0 ? scaled : add(scaled, mean);
});

export const randomUniform = composite(function randomUniform(shape: readonly number[], options: RandomUniformOptions = {}): Tensor {
  const s = checkShape('randomUniform', shape);
  const { minval = 0, maxval = 1, dtype = 'float32' } = options;
  if (dtypeArg('randomUniform', 'dtype', dtype) === 'bool') throw new KilnError(`dtype must be 'float32' or 'int32', got 'bool'`, { op: 'randomUniform' });
  const u = applyOp('randomUniform', [seedFor('randomUniform', options.seed)], { shape: s });
  const scaled = maxval - minval === 1 ? u : mul(u, maxval - minval);
  const shifted = minval === 0 ? scaled : add(scaled, minval);
  return dtype === 'int32' ? cast(floor(shifted), 'int32') : shifted;
});

const TRUNCATION_DRAWS = 4;

/**
 * Normal samples redrawn while beyond two standard deviations (as tf.truncatedNormal): each
 * element takes the first of several draws that lands inside [-2, 2]; all of them miss with
 * probability about 4e-6, and then the last draw is clipped.
 */
export const truncatedNormal = composite(function truncatedNormal(shape: readonly number[], options: RandomNormalOptions = {}): Tensor {
  const s = checkShape('truncatedNormal', shape);
  const { mean = 0, stddev = 1 } = options;
  const two = fromHost(hostTensor('truncatedNormal', 2, [], 'float32'));
  let t: Tensor | null = null;
  for (let k = TRUNCATION_DRAWS - 1; k >= 0; k--) {
    const seed = options.seed === undefined ? undefined : options.seed * TRUNCATION_DRAWS + k;
    const z = applyOp('randomNormal', [seedFor('truncatedNormal', seed)], { shape: s });
    t = t === null ? applyOp('minimum', [applyOp('maximum', [z, applyOp('neg', [two])]), two])
      : applyOp('where', [applyOp('lessEqual', [applyOp('abs', [z]), two]), z, t]);
  }
  const scaled = stddev === 1 ? t! : mul(t!, stddev);
  return mean === 0 ? scaled : add(scaled, mean);
});
