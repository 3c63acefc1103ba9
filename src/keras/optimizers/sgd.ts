import { KilnError, mul, sub, type Tensor, type Variable } from '../../api/index.js';
import { Optimizer, type OptimizerOptions, type Slots } from './optimizer.js';

export interface SGDOptions extends OptimizerOptions {
  /** In [0, 1] (default 0: plain gradient descent). */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

/**
 * Gradient descent (Keras's SGD, learning rate 0.01): w -= lr·g; with momentum
 * m = μm − lr·g and w += m; Nesterov: w += μm − lr·g using the new m.
 */
export class SGD extends Optimizer {
  readonly momentum: number;
  readonly nesterov: boolean;

  constructor(options: SGDOptions = {}) {
    super(options, { learningRate: 0.01, name: 'SGD' });
    this.momentum = options.momentum ?? 0;
    this.nesterov = options.nesterov ?? false;
    if (typeof this.momentum !== 'number' || !(this.momentum >= 0 && this.momentum <= 1)) {
      throw new KilnError(`momentum must be a number in [0, 1], got ${String(this.momentum)}`, { op: this.name });
    }
  }

  protected slotNames(): readonly string[] {
    return this.momentum !== 0 ? ['momentum'] : [];
  }

  protected updateStep(g: Tensor, w: Variable, slots: Slots, lr: Tensor): void {
    const m = slots.momentum;
    if (!m) {
      w.assignSub(mul(g, lr));
      return;
    }
    m.assign(sub(mul(m, this.momentum), mul(g, lr)));
    w.assignAdd(this.nesterov ? sub(mul(m, this.momentum), mul(g, lr)) : m);
  }
}
