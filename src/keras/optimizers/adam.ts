import { add, cast, div, maximum, mul, pow, sqrt, square, sub, type Tensor, type Variable } from '../../api/index.js';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';

export interface AdamOptions extends OptimizerOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  /** Keras's "epsilon hat", added to √v (default 1e-7). */
  readonly epsilon?: number;
  /** Divide by the running maximum of v (default false). */
  readonly amsgrad?: boolean;
}

/**
 * Keras's Adam: t = iterations + 1; m += (g − m)(1 − β1); v += (g² − v)(1 − β2);
 * α = lr·√(1 − β2ᵗ)/(1 − β1ᵗ); w −= α·m/(√v + ε).
 */
export class Adam extends Optimizer {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly amsgrad: boolean;

  constructor(options: AdamOptions = {}, defaultName = 'adam') {
    super(options, { learningRate: 0.001, name: defaultName });
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.amsgrad = options.amsgrad ?? false;
  }

  protected slotNames(): readonly string[] {
    return this.amsgrad ? ['momentum', 'velocity', 'velocity_hat'] : ['momentum', 'velocity'];
  }

  protected updateStep(g: Tensor, w: Variable, slots: Slots, lr: Tensor): void {
    const { momentum: m, velocity: v, velocity_hat: vHat } = slots;
    const t = cast(add(this.iterations, 1), 'float32');
    const alpha = div(mul(lr, sqrt(sub(1, pow(this.beta2, t)))), sub(1, pow(this.beta1, t)));
    m!.assignAdd(mul(sub(g, m!), 1 - this.beta1));
    v!.assignAdd(mul(sub(square(g), v!), 1 - this.beta2));
    let second: Tensor = v!;
    if (vHat) {
      vHat.assign(maximum(vHat, v!));
      second = vHat;
    }
    w.assignSub(div(mul(m!, alpha), add(sqrt(second), this.epsilon)));
  }
}

export interface AdamWOptions extends AdamOptions {
  /** Default 0.004, as Keras 3's AdamW. */
  readonly weightDecay?: number;
}

/** Adam with decoupled weight decay: w −= lr·weightDecay·w before each Adam step (Keras 3's AdamW). */
export class AdamW extends Adam {
  constructor(options: AdamWOptions = {}) {
    super({ ...options, weightDecay: options.weightDecay ?? 0.004 }, 'adamw');
  }
}
