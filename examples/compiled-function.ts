// The README's first example: a compiled function, its result, and the IR kiln made of it:
// the traced graph, the graph after the passes, and the generated kernel source.
// `npx tsx examples/compiled-function.ts [--backend cpu|wasm|webgpu]`
import * as kiln from '../src/index.js';
import { printer, runIfMain, type ExampleOptions } from './lib/cli.js';

export interface CompiledFunctionResult {
  readonly result: number[][];
  readonly traced: string;
  readonly optimized: string;
  readonly kernels: number;
  readonly traceCount: number;
}

export async function main(options: ExampleOptions = {}): Promise<CompiledFunctionResult> {
  const log = printer(options);
  const w = kiln.variable(kiln.randomNormal([3, 2], { seed: 1 }), true, 'w');
  const b = kiln.variable(kiln.zeros([2]), true, 'b');

  const predict = kiln.compile(function predict(x: kiln.Tensor) {
    return kiln.softmax(kiln.relu(kiln.matMul(x, w).add(b)));
  });

  const x = kiln.tensor([[1, 2, 3], [4, 5, 6]]);
  const y = predict(x);
  log('predict(x) =');
  log(y.toString());
  const cf = predict.concrete(x);
  const traced = cf.graph.toString({ stage: 'traced' });
  const optimized = cf.graph.toString();
  log('\nThe traced graph:');
  log(traced);
  log('\nAfter the passes:');
  log(optimized);
  log(`\n${cf.stats.kernels} kernels; the first one, as generated ${cf.kernels[0]!.language}:`);
  log(cf.kernels[0]!.source);
  return { result: (await y.array()) as number[][], traced, optimized, kernels: cf.stats.kernels, traceCount: predict.traceCount };
}

runIfMain(import.meta.url, main);
