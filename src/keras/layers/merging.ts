import * as kiln from '../../api/index.js';
import { KilnError, type Tensor } from '../../api/index.js';
import { Layer, type LayerArgs } from '../engine/layer.js';

function checkList(layer: Layer, inputs: Tensor | Tensor[]): Tensor[] {
  if (!Array.isArray(inputs) || inputs.length < 2) throw new KilnError(`expects a list of at least 2 inputs`, { op: `${layer.name}.call` });
  return inputs;
}

/** The elementwise sum of a list of inputs (functional models: `new Add().apply([a, b])`). */
export class Add extends Layer {
  override call(inputs: Tensor[]): Tensor {
    return checkList(this, inputs).reduce((a, b) => kiln.add(a, b));
  }
}

/** The elementwise product of a list of inputs. */
export class Multiply extends Layer {
  override call(inputs: Tensor[]): Tensor {
    return checkList(this, inputs).reduce((a, b) => kiln.mul(a, b));
  }
}

export interface ConcatenateArgs extends LayerArgs {
  readonly axis?: number;
}

/** Joins a list of inputs along an axis (default -1). */
export class Concatenate extends Layer {
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }

  override call(inputs: Tensor[]): Tensor {
    const list = checkList(this, inputs);
    const rank = list[0]!.rank;
    return kiln.concat(list, this.axis < 0 ? rank + this.axis : this.axis);
  }
}
