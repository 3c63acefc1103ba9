import './methods.js';

export { Tensor, compile, compiled, runFunctionsEagerly, setBackend, getBackend, ready, ConcreteFunction, type CompileOptions, type CompiledFunction } from '../trace/index.js';
export { outsideTraces as initScope, tracingKey, type TracingKeyed } from '../trace/index.js';
export { Variable } from './variable.js';
export { KilnError, type DType, type TypedArray } from '../ir/index.js';
export type { TensorLike, NestedArray } from './convert.js';
export * from './creation.js';
export * from './random.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/shape.js';
export * from './ops/linalg.js';
export {
  softmax, logSoftmax, oneHot, conv2d, maxPool, avgPool, nn, type Padding,
} from './ops/nn.js';
export { memory, tidy, dispose, keep, type MemoryInfo } from './memory.js';
export * as data from './data/index.js';
export { GradientTape, type GradientOptions } from './gradient-tape.js';
export { grad, grads, valueAndGrad, valueAndGrads, stopGradient, customGrad, type CustomGradientResult, type GradSaveFunc } from './grad.js';
export { cond, whileLoop } from './control-flow.js';
export * as autograph from './autograph/index.js';
export type { WhileOptions } from '../trace/index.js';
