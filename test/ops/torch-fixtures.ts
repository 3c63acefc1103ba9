import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as kiln from '../../src/index.js';

/**
 * The PyTorch (float64) fixtures in ../shared/fixtures/torch-ops.json, shared by the forward
 * (test/ops) and gradient (test/gradients) suites, which every backend runs.
 */
export interface FixtureTensor {
  readonly shape: number[];
  readonly dtype: kiln.DType;
  readonly data: number[];
}
export interface FixtureCase {
  readonly name: string;
  readonly call: string;
  readonly inputs: FixtureTensor[];
  readonly out: FixtureTensor;
  /** The weights of the loss L = sum(out * w) whose gradients `grads` holds (null for an int input). */
  readonly w: FixtureTensor;
  readonly grads: (FixtureTensor | null)[];
  readonly tol: number;
}

const path = fileURLToPath(new URL('../../../shared/fixtures/torch-ops.json', import.meta.url));
export const fixtures = JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] };

type Call = (k: typeof kiln, ...xs: kiln.Tensor[]) => kiln.Tensor;
/** The case's kiln call as a function of its inputs a, b, c. */
export const callOf = (c: FixtureCase) => new Function('kiln', 'a', 'b', 'c', `return ${c.call}`) as Call;
export const tensorOf = (t: FixtureTensor) => kiln.tensor(t.data, t.shape, t.dtype);
export const inputsOf = (c: FixtureCase) => c.inputs.map(tensorOf);
