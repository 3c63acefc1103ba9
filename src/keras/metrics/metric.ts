import { initScope, tidy, Variable, zeros, type DType, type Tensor, type TensorLike } from '../../api/index.js';

export interface MetricOptions {
  readonly name?: string;
}

/** Which way a metric improves: callbacks in mode 'auto' read it (Keras's `_direction`). */
export type MetricDirection = 'up' | 'down';

/**
 * A stateful metric. Its state lives in non-trainable variables, so `updateState` works
 * eagerly and inside compiled steps (the assignments become part of the compiled program).
 */
export abstract class Metric {
  readonly name: string;
  /** 'up' when larger is better (accuracies), 'down' when smaller is (losses); undefined when unknown. */
  readonly direction: MetricDirection | undefined;
  private readonly state: Variable[] = [];

  constructor(options: MetricOptions = {}, defaultName = 'metric', direction?: MetricDirection) {
    this.name = options.name ?? defaultName;
    this.direction = direction;
  }

  /** Accumulates a batch: (yTrue, yPred, sampleWeight?) for most metrics, (values, sampleWeight?) for Mean. */
  abstract updateState(...args: (TensorLike | undefined)[]): void;

  /** The metric's current value. */
  abstract result(): Tensor;

  /** Sets every state variable back to zeros. */
  resetState(): void {
    tidy(() => {
      for (const v of this.state) v.assign(zeros(v.shape, v.dtype));
    });
  }

  /** The state variables, in creation order. */
  get variables(): readonly Variable[] {
    return this.state;
  }

  /** A zero-filled, non-trainable state variable, created eagerly even while tracing (Keras's add_variable). */
  protected addVariable(name: string, shape: readonly number[] = [], dtype: DType = 'float32'): Variable {
    const v = initScope(() => tidy(() => new Variable(zeros(shape, dtype), { trainable: false, name: `${this.name}/${name}` })));
    this.state.push(v);
    return v;
  }
}
