import { KilnError, type Tensor } from '../../api/index.js';
import { InputLayer } from './input-layer.js';
import { KerasTensor, type Shape } from './keras-tensor.js';
import { Layer, type CallArgs } from './layer.js';
import { Model, type ModelIO } from './model.js';

/**
 * A plain stack of layers, each applied to the previous one's output. It builds at once when
 * the first layer has an `inputShape` (or the list starts with `keras.Input`), otherwise on its
 * first call; building runs the stack on symbolic inputs, so every layer knows its output shape.
 */
export class Sequential extends Model {
  readonly #stack: Layer[] = [];
  #input: InputLayer | null = null;
  #output: KerasTensor | null = null;

  constructor(layers: readonly (Layer | KerasTensor)[] = [], args: { readonly name?: string; readonly trainable?: boolean } = {}) {
    super(args);
    for (const l of layers) this.add(l);
  }

  /** The layers, in order (the input layer is not one of them). */
  override get layers(): Layer[] {
    this.adopt(this.#stack);
    return [...this.#stack];
  }

  /** Appends a layer (or sets the input with `keras.Input`), extending the built stack when it is built. */
  add(layer: Layer | KerasTensor): void {
    if (layer instanceof KerasTensor) {
      if (!(layer.node.layer instanceof InputLayer) || this.#stack.length > 0) {
        throw new KilnError('only a keras.Input may be added as a tensor, and only before any layer', { op: 'Sequential.add' });
      }
      this.#input = layer.node.layer;
      this.build(layer.shape);
      return;
    }
    if (!(layer instanceof Layer)) throw new KilnError(`expects a Layer, got ${layer === null ? 'null' : typeof layer}`, { op: 'Sequential.add' });
    if (layer instanceof InputLayer) return this.add(layer.output);
    this.#stack.push(layer);
    try {
      this.adopt([layer]);
      if (this.#output) this.#output = layer.apply(this.#output);
      else if (this.#stack.length === 1 && layer.batchInputShape) this.build(layer.batchInputShape);
    } catch (e) {
      this.#stack.pop();
      throw e;
    }
  }

  /** Removes the last layer. */
  pop(): Layer {
    const layer = this.#stack.pop();
    if (!layer) throw new KilnError('the model has no layers to pop', { op: 'Sequential.pop' });
    if (this.#input) this.build(this.#input.output.shape);
    return layer;
  }

  override build(inputShape: Shape | Shape[]): void {
    if (Array.isArray(inputShape[0])) throw new KilnError('a Sequential model has one input', { op: 'Sequential.build' });
    const shape: Shape = [null, ...(inputShape as Shape).slice(1)];
    const dtype = this.#input?.dtype ?? 'float32';
    if (!this.#input || this.#input.output.shape.join() !== shape.join()) this.#input = new InputLayer({ shape: shape.slice(1) as number[], dtype });
    let t: KerasTensor = this.#input.output;
    for (const layer of this.#stack) t = layer.apply(t);
    this.#output = t;
    this.batchInputShape = shape;
  }

  override call(inputs: ModelIO, args: CallArgs = {}): ModelIO {
    let x: Tensor | Tensor[] = inputs;
    for (const layer of this.#stack) x = layer.apply<Tensor | Tensor[]>(x, args);
    return x;
  }
}
