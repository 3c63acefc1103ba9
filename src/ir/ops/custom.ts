import type { OpDef } from '../op-def.js';

/**
 * customGradient(value, ...inputs, ...saved): the identity on `value`, whose gradient with
 * respect to `inputs` comes from a user function (kiln.customGrad). The rule is attached by
 * src/trace, which can run user code; the reference evaluator and kernels just copy `value`.
 */
export const customGradientOp: OpDef = {
  name: 'customGradient', kind: 'elementwise', arity: -1,
  infer: ([value]) => value!,
  evaluate: ([value]) => value!.data.slice(),
  element: (ctx) => ctx.load(0, ctx.coords),
};
