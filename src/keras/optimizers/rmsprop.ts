import { add, div, mul, sqrt, square, sub, type Tensor, type Variable } from '../../api/index.js';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';

export interface RMSpropOptions extends OptimizerOptions {
  /** Discount of the squared-gradient average (default 0.9). */
  readonly rho?: number;
  readonly momentum?: number;
  /** Added inside the square root (default 1e-7). */
  readonly epsilon?: number;
  /** Normalize by the gradient's estimated variance rather than its second moment (default false). */
  readonly centered?: boolean;
}

/**
 * Keras's RMSprop: v = ρv + (1−ρ)g²; w −= lr·g/√(v + ε), ε inside the square root; centered
 * subtracts the squared mean gradient from v; momentum accumulates the increments.
 */
export class RMSprop extends Optimizer {
  readonly rho: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly centered: boolean;

  constructor(options: RMSpropOptions = {}) {
    super(options, { learningRate: 0.001, name: 'rmsprop' });
    this.rho = options.rho ?? 0.9;
    this.momentum = options.momentum ?? 0;
    this.epsilon = options.epsilon ?? 1e-7;
    this.centered = options.centered ?? false;
  }

  protected slotNames(): readonly string[] {
    return ['velocity', ...(this.momentum > 0 ? ['momentum'] : []), ...(this.centered ? ['average_gradient'] : [])];
  }

  protected updateStep(g: Tensor, w: Variable, slots: Slots, lr: Tensor): void {
    const { velocity, momentum, average_gradient: averageGradient } = slots;
    const rho = this.rho;
    velocity!.assign(add(mul(velocity!, rho), mul(square(g), 1 - rho)));
    let denominator: Tensor;
    if (averageGradient) {
      averageGradient.assign(add(mul(averageGradient, rho), mul(g, 1 - rho)));
      denominator = add(sub(velocity!, square(averageGradient)), this.epsilon);
    } else {
      denominator = add(velocity!, this.epsilon);
    }
    const increment = div(mul(g, lr), sqrt(denominator));
    if (momentum) {
      momentum.assign(add(mul(momentum, this.momentum), increment));
      w.assignSub(momentum);
    } else {
      w.assignSub(increment);
    }
  }
}
