import {
  initScope, KilnError, mul, scalar, sub, Tensor, tidy, Variable, zeros,
} from '../../api/index.js';
import { clipGradients, type ClippingOptions } from './clipping.js';

export interface OptimizerOptions extends ClippingOptions {
  readonly learningRate?: number;
  /** Decoupled weight decay: before each update, w -= lr · weightDecay · w (default none; AdamW's 0.004). */
  readonly weightDecay?: number | null;
  readonly name?: string;
}

/** A (gradient, variable) pair; a null gradient (an unconnected weight) is skipped. */
export type GradientPair = readonly [Tensor | null | undefined, Variable];

/** The optimizer state of one weight, by slot name ('momentum', 'velocity', ...). */
export type Slots = Readonly<Record<string, Variable>>;

function checkNumber(op: string, name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min) {
    throw new KilnError(`${name} must be a finite number >= ${min}, got ${String(value)}`, { op });
  }
  return value;
}

/**
 * The base of every optimizer. All state that changes between steps (learning rate, step
 * count, slots) lives in variables, so one compiled train step serves every step and a new
 * learning rate takes effect without retracing. Slots are made once per weight, on first use,
 * outside any trace.
 */
export abstract class Optimizer {
  readonly name: string;
  /** The number of steps applied (Keras's `iterations`), an int32 variable. */
  readonly iterations: Variable;
  /** The variable behind `learningRate`, read by the compiled update. */
  readonly learningRateVariable: Variable;
  readonly weightDecay: number | null;
  readonly clipping: ClippingOptions;
  private lr: number;
  private readonly slots = new Map<Variable, Slots>();
  private readonly slotVariables: Variable[] = [];
  private readonly decayExcluded = new Set<Variable>();
  private decayExcludedNames: readonly string[] = [];
  private warnedMissing = false;

  constructor(options: OptimizerOptions, defaults: { readonly learningRate: number; readonly name: string }) {
    this.name = options.name ?? defaults.name;
    this.lr = checkNumber(this.name, 'learningRate', options.learningRate ?? defaults.learningRate);
    this.weightDecay = options.weightDecay === undefined || options.weightDecay === null ? null : checkNumber(this.name, 'weightDecay', options.weightDecay);
    this.clipping = { clipNorm: options.clipNorm, clipValue: options.clipValue, globalClipnorm: options.globalClipnorm };
    if ([options.clipNorm, options.clipValue, options.globalClipnorm].filter((c) => c !== undefined).length > 1) {
      throw new KilnError('only one of clipNorm, clipValue and globalClipnorm may be set', { op: this.name });
    }
    [this.iterations, this.learningRateVariable] = initScope(() => tidy(() => [
      new Variable(scalar(0, 'int32'), { trainable: false, name: `${this.name}/iteration` }),
      new Variable(scalar(this.lr), { trainable: false, name: `${this.name}/learning_rate` }),
    ]));
  }

  /** The learning rate last set. Setting it assigns the variable: compiled steps read the new value without retracing. */
  get learningRate(): number {
    return this.lr;
  }

  set learningRate(value: number) {
    this.lr = checkNumber(this.name, 'learningRate', value);
    tidy(() => this.learningRateVariable.assign(value));
  }

  /** The optimizer's variables: iterations, learning rate, then every slot in creation order. */
  get variables(): Variable[] {
    return [this.iterations, this.learningRateVariable, ...this.slotVariables];
  }

  /** Creates the slots of these weights now (applyGradients also does on first use). */
  build(variables: readonly Variable[]): void {
    for (const v of variables) this.slotsFor(v);
  }

  /** The slots of a weight, created (zeros of its shape) the first time. */
  getSlots(variable: Variable): Slots {
    return this.slotsFor(variable);
  }

  /** Weights that skip weight decay: these variables, and those whose name contains one of `names`. */
  excludeFromWeightDecay(options: { readonly variables?: readonly Variable[]; readonly names?: readonly string[] }): void {
    for (const v of options.variables ?? []) this.decayExcluded.add(v);
    this.decayExcludedNames = [...this.decayExcludedNames, ...(options.names ?? [])];
  }

  /** Applies one update step to each variable with a gradient, then counts the step. */
  applyGradients(pairs: readonly GradientPair[]): void {
    if (!Array.isArray(pairs)) throw new KilnError(`expects an array of [gradient, variable] pairs, got ${typeof pairs}`, { op: `${this.name}.applyGradients` });
    const present = pairs.filter((pair, i) => {
      if (!Array.isArray(pair) || !(pair[1] instanceof Variable)) throw new KilnError(`pair ${i} must be [gradient, variable] with a kiln.Variable`, { op: `${this.name}.applyGradients` });
      return pair[0] !== null && pair[0] !== undefined;
    });
    if (present.length === 0) {
      if (pairs.length > 0) throw new KilnError('no gradients provided for any variable', { op: `${this.name}.applyGradients` });
      return;
    }
    this.warnMissing(pairs, present.length);
    for (const [g, v] of present) this.checkPair(g!, v);
    const variables = present.map(([, v]) => v);
    // Slots first, outside any trace: the compiled update then only reads and assigns them.
    const slots = variables.map((v) => this.slotsFor(v));
    tidy(() => {
      const grads = clipGradients(present.map(([g]) => g!), this.clipping);
      this.applyWeightDecay(variables);
      grads.forEach((g, i) => this.updateStep(g, variables[i]!, slots[i]!, this.learningRateVariable));
      this.iterations.assignAdd(1);
    });
  }

  /** The names of the slots each weight gets. */
  protected abstract slotNames(): readonly string[];

  /** One weight's update, written with tensor ops and variable assignments (Keras's update_step). */
  protected abstract updateStep(gradient: Tensor, variable: Variable, slots: Slots, learningRate: Tensor): void;

  private slotsFor(variable: Variable): Slots {
    let s = this.slots.get(variable);
    if (!s) {
      s = initScope(() => tidy(() => Object.fromEntries(this.slotNames().map((slot) => {
        const v = new Variable(zeros(variable.shape, variable.dtype), { trainable: false, name: `${variable.name}/${slot}` });
        this.slotVariables.push(v);
        return [slot, v];
      }))));
      this.slots.set(variable, s);
    }
    return s;
  }

  private applyWeightDecay(variables: readonly Variable[]): void {
    const wd = this.weightDecay;
    if (!wd) return;
    for (const v of variables) {
      if (this.decayExcluded.has(v) || this.decayExcludedNames.some((n) => v.name.includes(n))) continue;
      v.assign(sub(v, mul(mul(v, wd), this.learningRateVariable)));
    }
  }

  private checkPair(g: Tensor, v: Variable): void {
    if (!(g instanceof Tensor)) throw new KilnError(`the gradient of variable '${v.name}' must be a tensor, got ${typeof g}`, { op: `${this.name}.applyGradients` });
    if (g.shape.join() !== v.shape.join()) {
      throw new KilnError(`gradient ${g.describe()} does not match variable '${v.name}' ${v.describe()}`, { op: `${this.name}.applyGradients` });
    }
  }

  private warnMissing(pairs: readonly GradientPair[], present: number): void {
    if (present === pairs.length || this.warnedMissing) return;
    this.warnedMissing = true;
    const names = pairs.filter(([g]) => g === null || g === undefined).map(([, v]) => `'${v.name}'`);
    console.warn(`kiln: ${this.name}: gradients do not exist for variables ${names.join(', ')} when minimizing the loss; they are left unchanged`);
  }
}
