import * as kiln from '../../api/index.js';
import type { DType, Tensor } from '../../api/index.js';

/**
 * Weight initializers, by name (`'glorotUniform'`, `'glorot_uniform'`) or as objects
 * (`new initializers.HeNormal({ seed: 1 })`), with Keras's defaults. A seeded initializer gives
 * the same values on every call; an unseeded one draws from kiln's global random stream.
 */
export abstract class Initializer {
  abstract call(shape: readonly number[], dtype?: DType): Tensor;
}

export interface SeedOptions { readonly seed?: number }

/** fan_in and fan_out as Keras computes them: conv kernels multiply channels by the receptive field. */
export function computeFans(shape: readonly number[]): [number, number] {
  if (shape.length === 0) return [1, 1];
  if (shape.length === 1) return [shape[0]!, shape[0]!];
  if (shape.length === 2) return [shape[0]!, shape[1]!];
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return [shape.at(-2)! * receptive, shape.at(-1)! * receptive];
}

const seedOf = (seed: number | undefined) => (seed === undefined ? {} : { seed });

export class Zeros extends Initializer {
  call(shape: readonly number[], dtype: DType = 'float32'): Tensor { return kiln.zeros(shape, dtype); }
}

export class Ones extends Initializer {
  call(shape: readonly number[], dtype: DType = 'float32'): Tensor { return kiln.ones(shape, dtype); }
}

export class Constant extends Initializer {
  readonly value: number;
  constructor(options: { value?: number } = {}) { super(); this.value = options.value ?? 0; }
  call(shape: readonly number[], dtype: DType = 'float32'): Tensor { return kiln.fill(shape, this.value, dtype); }
}

export class RandomNormal extends Initializer {
  readonly mean: number; readonly stddev: number; readonly seed: number | undefined;
  constructor(options: { mean?: number; stddev?: number } & SeedOptions = {}) {
    super();
    this.mean = options.mean ?? 0; this.stddev = options.stddev ?? 0.05; this.seed = options.seed;
  }
  call(shape: readonly number[]): Tensor { return kiln.randomNormal(shape, { mean: this.mean, stddev: this.stddev, ...seedOf(this.seed) }); }
}

export class RandomUniform extends Initializer {
  readonly minval: number; readonly maxval: number; readonly seed: number | undefined;
  constructor(options: { minval?: number; maxval?: number } & SeedOptions = {}) {
    super();
    this.minval = options.minval ?? -0.05; this.maxval = options.maxval ?? 0.05; this.seed = options.seed;
  }
  call(shape: readonly number[]): Tensor { return kiln.randomUniform(shape, { minval: this.minval, maxval: this.maxval, ...seedOf(this.seed) }); }
}

export class TruncatedNormal extends Initializer {
  readonly mean: number; readonly stddev: number; readonly seed: number | undefined;
  constructor(options: { mean?: number; stddev?: number } & SeedOptions = {}) {
    super();
    this.mean = options.mean ?? 0; this.stddev = options.stddev ?? 0.05; this.seed = options.seed;
  }
  call(shape: readonly number[]): Tensor { return kiln.truncatedNormal(shape, { mean: this.mean, stddev: this.stddev, ...seedOf(this.seed) }); }
}

export type FanMode = 'fan_in' | 'fan_out' | 'fan_avg';
export type Distribution = 'truncated_normal' | 'untruncated_normal' | 'uniform';

/** The family behind Glorot, He and LeCun: variance `scale / fan`. */
export class VarianceScaling extends Initializer {
  readonly scale: number; readonly mode: FanMode; readonly distribution: Distribution; readonly seed: number | undefined;
  constructor(options: { scale?: number; mode?: FanMode; distribution?: Distribution } & SeedOptions = {}) {
    super();
    this.scale = options.scale ?? 1; this.mode = options.mode ?? 'fan_in';
    this.distribution = options.distribution ?? 'truncated_normal'; this.seed = options.seed;
  }

  call(shape: readonly number[]): Tensor {
    const [fanIn, fanOut] = computeFans(shape);
    const fan = this.mode === 'fan_in' ? fanIn : this.mode === 'fan_out' ? fanOut : (fanIn + fanOut) / 2;
    const scale = this.scale / Math.max(1, fan);
    const seed = seedOf(this.seed);
    switch (this.distribution) {
      // The constant is the stddev of a unit normal truncated to [-2, 2] (as Keras divides by it).
      case 'truncated_normal': return kiln.truncatedNormal(shape, { stddev: Math.sqrt(scale) / 0.87962566103423978, ...seed });
      case 'untruncated_normal': return kiln.randomNormal(shape, { stddev: Math.sqrt(scale), ...seed });
      case 'uniform': { const limit = Math.sqrt(3 * scale); return kiln.randomUniform(shape, { minval: -limit, maxval: limit, ...seed }); }
    }
  }
}

export class GlorotUniform extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 1, mode: 'fan_avg', distribution: 'uniform', ...options }); }
}
export class GlorotNormal extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 1, mode: 'fan_avg', distribution: 'truncated_normal', ...options }); }
}
export class HeNormal extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 2, mode: 'fan_in', distribution: 'truncated_normal', ...options }); }
}
export class HeUniform extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 2, mode: 'fan_in', distribution: 'uniform', ...options }); }
}
export class LecunNormal extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 1, mode: 'fan_in', distribution: 'truncated_normal', ...options }); }
}
export class LecunUniform extends VarianceScaling {
  constructor(options: SeedOptions = {}) { super({ scale: 1, mode: 'fan_in', distribution: 'uniform', ...options }); }
}

/** A name, an Initializer, or a function of the shape and dtype. */
export type InitializerLike = string | Initializer | ((shape: readonly number[], dtype: DType) => Tensor);

const byName: Record<string, () => Initializer> = {
  zeros: () => new Zeros(), ones: () => new Ones(), constant: () => new Constant(),
  randomnormal: () => new RandomNormal(), randomuniform: () => new RandomUniform(), truncatednormal: () => new TruncatedNormal(),
  variancescaling: () => new VarianceScaling(),
  glorotuniform: () => new GlorotUniform(), glorotnormal: () => new GlorotNormal(),
  heuniform: () => new HeUniform(), henormal: () => new HeNormal(),
  lecununiform: () => new LecunUniform(), lecunnormal: () => new LecunNormal(),
};

/** Resolves an initializer: names in camelCase, snake_case or PascalCase; objects and functions as they are. */
export function get(identifier: InitializerLike): Initializer {
  if (identifier instanceof Initializer) return identifier;
  if (typeof identifier === 'function') {
    const fn = identifier;
    return new (class extends Initializer { call(shape: readonly number[], dtype: DType = 'float32') { return fn(shape, dtype); } })();
  }
  const make = typeof identifier === 'string' ? byName[identifier.replace(/_/g, '').toLowerCase()] : undefined;
  if (!make) {
    throw new kiln.KilnError(`unknown initializer ${JSON.stringify(identifier)}; known: ${Object.keys(byName).join(', ')} (camelCase or snake_case)`, { op: 'initializers.get' });
  }
  return make();
}
