import { KilnError, type DType, type Tensor } from '../../api/index.js';
import { CallNode, KerasTensor, type Shape } from './keras-tensor.js';
import { Layer } from './layer.js';

export interface InputOptions {
  /** The shape of one sample (without the batch axis). */
  readonly shape: readonly number[];
  /** A fixed batch size; unknown (`None`) by default. */
  readonly batchSize?: number;
  readonly dtype?: DType;
  readonly name?: string;
}

/** The source of a functional graph: a layer with no weights whose output is the model's input. */
export class InputLayer extends Layer {
  readonly output: KerasTensor;

  constructor(options: InputOptions) {
    if (!options || !Array.isArray(options.shape) || options.shape.some((d) => !Number.isInteger(d) || d < 0)) {
      throw new KilnError(`expects { shape: number[] } (the shape of one sample), got ${JSON.stringify(options?.shape)}`, { op: 'keras.Input' });
    }
    super({ ...(options.name ? { name: options.name } : {}), dtype: options.dtype ?? 'float32' });
    const shape: Shape = [options.batchSize ?? null, ...options.shape];
    this.batchInputShape = shape;
    this.built = true;
    const node = new CallNode(this, [], true, {});
    this.output = new KerasTensor(shape, this.dtype, node, 0);
    node.outputs = [this.output];
    this.inboundNodes.push(node);
  }

  override call(inputs: Tensor): Tensor {
    return inputs;
  }

  override get outputShape(): Shape {
    return this.output.shape;
  }
}

/** A symbolic input for the functional API: `keras.Input({ shape: [784] })`. */
export function Input(options: InputOptions): KerasTensor {
  return new InputLayer(options).output;
}
