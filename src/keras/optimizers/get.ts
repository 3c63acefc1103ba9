import { KilnError } from '../../api/index.js';
import { Adam, AdamW } from './adam.js';
import { Optimizer } from './optimizer.js';
import { RMSprop } from './rmsprop.js';
import { SGD } from './sgd.js';

export type OptimizerIdentifier = 'adam' | 'adamw' | 'sgd' | 'rmsprop' | (string & {}) | Optimizer;

const BY_NAME: Readonly<Record<string, () => Optimizer>> = {
  adam: () => new Adam(),
  adamw: () => new AdamW(),
  sgd: () => new SGD(),
  rmsprop: () => new RMSprop(),
};

/** Resolves 'adam' | 'adamw' | 'sgd' | 'rmsprop' (any case) to a new optimizer with Keras's defaults; objects pass through. */
export function get(identifier: OptimizerIdentifier): Optimizer {
  if (identifier instanceof Optimizer) return identifier;
  if (typeof identifier === 'string') {
    const make = BY_NAME[identifier.toLowerCase()];
    if (make) return make();
    throw new KilnError(`unknown optimizer '${identifier}'; known optimizers: ${Object.keys(BY_NAME).map((k) => `'${k}'`).join(', ')} (or an Optimizer object)`, { op: 'optimizers.get' });
  }
  throw new KilnError(`expects an optimizer name or Optimizer object, got ${identifier === null ? 'null' : typeof identifier}`, { op: 'optimizers.get' });
}
