import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import * as kiln from '../../src/index.js';

/** The PyTorch (float64) fixtures in ../shared/fixtures/torch-ops.json, shared by every backend's suite. */
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
  readonly tol: number;
}

const path = fileURLToPath(new URL('../../../shared/fixtures/torch-ops.json', import.meta.url));
export const fixtures = JSON.parse(readFileSync(path, 'utf8')) as { cases: FixtureCase[] };

type Call = (k: typeof kiln, ...xs: kiln.Tensor[]) => kiln.Tensor;
/** The case's kiln call as a function of its inputs a, b, c. */
export const callOf = (c: FixtureCase) => new Function('kiln', 'a', 'b', 'c', `return ${c.call}`) as Call;
export const inputsOf = (c: FixtureCase) => c.inputs.map((t) => kiln.tensor(t.data, t.shape, t.dtype));
