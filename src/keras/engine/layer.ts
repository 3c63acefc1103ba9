import * as kiln from '../../api/index.js';
import { KilnError, Tensor, Variable, type DType, type TensorLike } from '../../api/index.js';
import { outsideTraces, pauseRecording } from '../../trace/index.js';
import * as initializers from './initializers.js';
import { checkInputShape, type InputSpec } from './input-spec.js';
import { CallNode, isKerasTensorInput, KerasTensor, traceSpecs, type Shape } from './keras-tensor.js';
import { globalNames, NameScope, snakeCase } from './naming.js';

export interface LayerArgs {
  readonly name?: string;
  readonly trainable?: boolean;
  /** The input shape without the batch axis; lets a model build before it sees data. */
  readonly inputShape?: readonly number[];
  readonly batchSize?: number;
  readonly dtype?: DType;
}

/** Arguments of a call; `training` switches Dropout and BatchNormalization to training behaviour. */
export interface CallArgs {
  readonly training?: boolean;
  readonly [key: string]: unknown;
}

export interface AddWeightOptions {
  readonly shape?: readonly number[];
  /** Default: glorotUniform for float32 weights, zeros otherwise (as Keras). */
  readonly initializer?: initializers.InitializerLike;
  readonly trainable?: boolean;
  readonly name?: string;
  readonly dtype?: DType;
}

/** The training flag of the outermost call, inherited by nested calls that do not set it. */
const callStack: { training: boolean }[] = [];

/**
 * The base of layers and models. A layer owns weights (`addWeight`), builds lazily from the
 * shape of its first input, and computes in `call(inputs, { training })`. `apply` is what users
 * call: on tensors it builds and computes; on `keras.Input` tensors it records a functional graph.
 */
export class Layer {
  built = false;
  readonly dtype: DType;
  /** The expected input shape with its batch axis, when known. */
  batchInputShape: Shape | null;
  protected inputSpec: InputSpec | null = null;
  /** @internal Where this layer was applied to symbolic inputs. */
  readonly inboundNodes: CallNode[] = [];
  #name: string | null;
  #trainable: boolean;
  readonly #trainableOwn: Variable[] = [];
  readonly #nonTrainableOwn: Variable[] = [];
  readonly #weightNames = new Map<Variable, string>();
  #weightScope = new NameScope();
  #losses: Tensor[] = [];
  readonly #childNames = new NameScope();
  readonly #namedChildren = new Set<Layer>();
  #outputShape: Shape | Shape[] | null = null;

  constructor(args: LayerArgs = {}) {
    this.#name = args.name ?? null;
    if (args.name !== undefined) globalNames.reserve(args.name);
    this.#trainable = args.trainable ?? true;
    this.dtype = args.dtype ?? 'float32';
    this.batchInputShape = args.inputShape ? [args.batchSize ?? null, ...args.inputShape] : null;
    // As Keras wraps build: a direct `layer.build(shape)` also marks the layer built, and
    // its weights are created eagerly even when the first call happens inside a compiled step.
    const build = this.build;
    Object.defineProperty(this, 'build', {
      value: (inputShape: Shape | Shape[]) => {
        const before = [this.#trainableOwn.length, this.#nonTrainableOwn.length] as const;
        try {
          pauseRecording(() => outsideTraces(() => build.call(this, inputShape)));
        } catch (e) {
          // A failed build leaves no half-made weights behind: the next call builds afresh.
          const made = [...this.#trainableOwn.splice(before[0]), ...this.#nonTrainableOwn.splice(before[1])];
          for (const v of made) { this.#weightNames.delete(v); v.dispose(); }
          this.#weightScope = new NameScope();
          for (const n of this.#weightNames.values()) this.#weightScope.reserve(n);
          throw e;
        }
        this.built = true;
      },
      enumerable: false, writable: true, configurable: true,
    });
  }

  /** Unique within the model that holds the layer ('dense', 'dense_1', ...), or program-wide for a loose layer. */
  get name(): string {
    this.#name ??= globalNames.unique(this.defaultName());
    return this.#name;
  }

  /** @internal Names the layer within `scope` unless it already has a name; returns the name. */
  nameIn(scope: NameScope): string {
    if (this.#name === null) this.#name = scope.unique(this.defaultName());
    else if (scope.has(this.#name)) throw new KilnError(`a model's layers must have unique names; '${this.#name}' is used twice`, { op: 'Model' });
    else scope.reserve(this.#name);
    return this.#name;
  }

  protected defaultName(): string {
    return snakeCase(this.constructor.name);
  }

  get trainable(): boolean {
    return this.#trainable;
  }

  /** Freezing a layer freezes its weights and sublayers (as Keras). */
  set trainable(value: boolean) {
    this.#trainable = value;
    for (const v of this.#trainableOwn) v.trainable = value;
    for (const l of this.layers) l.trainable = value;
  }

  /** Creates the layer's weights from the input shape; called once, before the first call. */
  build(_inputShape: Shape | Shape[]): void {}

  /** The computation. Subclasses override it; `apply` is what runs it. */
  call(inputs: Tensor | Tensor[], _args: CallArgs = {}): Tensor | Tensor[] {
    throw new KilnError(`layer '${this.name}' (${this.constructor.name}) does not implement call()`, { op: 'Layer.call' });
  }

  /** Creates a weight: a Variable initialized eagerly, tracked by this layer. */
  addWeight(options: AddWeightOptions = {}): Variable {
    const shape = [...(options.shape ?? [])];
    const dtype = options.dtype ?? this.dtype;
    const init = initializers.get(options.initializer ?? (dtype === 'float32' ? 'glorotUniform' : 'zeros'));
    const trainable = options.trainable ?? true;
    const name = this.#weightScope.unique(options.name ?? 'variable');
    const v = pauseRecording(() => outsideTraces(() => kiln.tidy(() => {
      const value = init.call(shape, dtype);
      if (value.shape.join() !== shape.join()) throw new KilnError(`initializer gave shape [${value.shape}] for weight '${name}' of shape [${shape}]`, { op: 'addWeight' });
      return new Variable(value.dtype === dtype ? value : kiln.cast(value, dtype), { trainable: trainable && this.#trainable, name });
    })));
    (trainable ? this.#trainableOwn : this.#nonTrainableOwn).push(v);
    this.#weightNames.set(v, name);
    return v;
  }

  /** Layers held in this layer's properties (directly or in arrays), like Keras's auto-tracking. */
  protected trackedLayers(): Layer[] {
    const found: Layer[] = [];
    for (const value of Object.values(this)) {
      if (value instanceof Layer && value !== this) found.push(value);
      else if (Array.isArray(value)) for (const v of value) if (v instanceof Layer && v !== this) found.push(v);
    }
    return [...new Set(found)];
  }

  /** Names sublayers uniquely within this one (those not named yet get 'dense', 'dense_1', ...). */
  protected adopt(layers: readonly Layer[]): void {
    for (const l of layers) {
      if (this.#namedChildren.has(l)) continue;
      l.nameIn(this.#childNames);
      this.#namedChildren.add(l);
    }
  }

  /** The sublayers, in the order they were assigned. */
  get layers(): Layer[] {
    const found = this.trackedLayers();
    this.adopt(found);
    return found;
  }

  get weights(): Variable[] {
    return unique([...this.#trainableOwn, ...this.#nonTrainableOwn, ...this.layers.flatMap((l) => l.weights)]);
  }

  get trainableWeights(): Variable[] {
    if (!this.#trainable) return [];
    return unique([...this.#trainableOwn.filter((v) => v.trainable), ...this.layers.flatMap((l) => l.trainableWeights)]);
  }

  get nonTrainableWeights(): Variable[] {
    if (!this.#trainable) return this.weights;
    const trainable = new Set(this.trainableWeights);
    return this.weights.filter((v) => !trainable.has(v));
  }

  /** Each weight with its path inside this layer: `kernel`, `dense_1/bias`, ... */
  weightPaths(): Map<Variable, string> {
    const paths = new Map<Variable, string>();
    for (const v of [...this.#trainableOwn, ...this.#nonTrainableOwn]) paths.set(v, this.#weightNames.get(v)!);
    for (const layer of this.layers) {
      for (const [v, p] of layer.weightPaths()) if (!paths.has(v)) paths.set(v, `${layer.name}/${p}`);
    }
    return paths;
  }

  countParams(): number {
    if (!this.built && this.weights.length === 0) {
      throw new KilnError(`layer '${this.name}' is not built yet, so it has no weights to count; call it on data or build() it first`, { op: 'countParams' });
    }
    return this.weights.reduce((n, v) => n + v.size, 0);
  }

  /** Copies of the weights' current values, in `weights` order. */
  getWeights(): Tensor[] {
    return this.weights.map((v) => v.clone());
  }

  /** Sets every weight; all shapes and dtypes are checked before any weight changes. */
  setWeights(values: readonly TensorLike[]): void {
    const weights = this.weights;
    if (values.length !== weights.length) {
      throw new KilnError(`layer '${this.name}' has ${weights.length} weights, but ${values.length} values were given`, { op: 'setWeights' });
    }
    kiln.tidy(() => {
      const tensors = values.map((v, i) => {
        const w = weights[i]!;
        if (v instanceof Tensor) return v;
        return ArrayBuffer.isView(v) ? kiln.tensor(v, w.shape, w.dtype) : kiln.tensor(v as number, undefined, w.dtype);
      });
      tensors.forEach((t, i) => {
        const w = weights[i]!;
        if (t.shape.join() !== w.shape.join() || t.dtype !== w.dtype) {
          throw new KilnError(`value ${i} is ${t.dtype}[${t.shape}], but weight '${w.name}' is ${w.dtype}[${w.shape}]`, { op: 'setWeights' });
        }
      });
      tensors.forEach((t, i) => weights[i]!.assign(t));
    });
  }

  /** Adds a loss term (a regularization, say) to the model's loss; cleared at each outermost call. */
  addLoss(loss: Tensor): void {
    this.#losses.push(kiln.keep(loss));
  }

  get losses(): Tensor[] {
    return [...this.#losses, ...this.layers.flatMap((l) => l.losses)];
  }

  private clearLosses(): void {
    for (const t of this.#losses) if (!t.isSymbolic) t.dispose();
    this.#losses = [];
    for (const l of this.layers) l.clearLosses();
  }

  /** The output shape of the last call, batch axis as `null` (`null` before any call). */
  get outputShape(): Shape | Shape[] | null {
    return this.#outputShape;
  }

  /**
   * Calls the layer: builds it on first use, then runs `call`. On symbolic `keras.Input`
   * tensors it returns symbolic tensors and records the call for a functional model.
   * `R` lets a caller name the result's type when the layer returns several tensors.
   */
  apply<R extends KerasTensor | KerasTensor[] = KerasTensor>(inputs: KerasTensor | readonly KerasTensor[], args?: CallArgs): NoInfer<R>;
  apply<R extends Tensor | Tensor[] = Tensor>(inputs: Tensor | readonly Tensor[], args?: CallArgs): NoInfer<R>;
  apply(inputs: Tensor | readonly Tensor[] | KerasTensor | readonly KerasTensor[], args: CallArgs = {}): Tensor | Tensor[] | KerasTensor | KerasTensor[] {
    if (isKerasTensorInput(inputs)) return this.applySymbolic(inputs, args);
    const list = inputs instanceof Tensor ? [inputs] : [...(inputs as readonly Tensor[])];
    list.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new KilnError(`input ${i} is not a tensor (got ${t === null ? 'null' : typeof t})`, { op: `${this.name}.apply` });
    });
    const shapes: Shape[] = list.map((t) => [...t.shape]);
    this.checkInput(shapes);
    if (!this.built) this.build(inputs instanceof Tensor ? shapes[0]! : shapes);
    this.checkInput(shapes);
    const outer = callStack[callStack.length - 1];
    if (!outer) this.clearLosses();
    const training = args.training ?? outer?.training ?? false;
    callStack.push({ training });
    let out: Tensor | Tensor[];
    try {
      // The layer's intermediates are freed when it returns (eagerly; traced tensors have no storage).
      out = kiln.tidy(() => this.call(inputs instanceof Tensor ? inputs : list, { ...args, training }));
    } finally {
      callStack.pop();
    }
    const batchless = (s: readonly number[]): Shape => s.map((d, i) => (i === 0 ? null : d));
    this.#outputShape = out instanceof Tensor ? batchless(out.shape) : out.map((t) => batchless(t.shape));
    return out;
  }

  private applySymbolic(inputs: KerasTensor | readonly KerasTensor[], args: CallArgs): KerasTensor | KerasTensor[] {
    const list = inputs instanceof KerasTensor ? [inputs] : [...inputs];
    const single = inputs instanceof KerasTensor;
    const shapes = list.map((t) => t.shape);
    this.checkInput(shapes);
    if (!this.built) this.build(single ? shapes[0]! : shapes);
    const specs = traceSpecs((ts) => this.apply(single ? ts[0]! : ts, args), list, this.#name ?? this.defaultName());
    const node = new CallNode(this, list, single, args);
    node.outputs = specs.map((s, i) => new KerasTensor(s.shape, s.dtype, node, i));
    this.inboundNodes.push(node);
    this.#outputShape = specs.length === 1 && specs[0] ? specs[0].shape : specs.map((s) => s.shape);
    return node.outputs.length === 1 ? node.outputs[0]! : node.outputs;
  }

  /** Checks single inputs against the expected input shape and the input spec (a KilnError before anything runs). */
  private checkInput(shapes: readonly Shape[]): void {
    if (shapes.length === 1) checkInputShape(this, shapes[0]!, this.batchInputShape, this.inputSpec);
  }
}

function unique<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
