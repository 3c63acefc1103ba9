import type { OpDef } from './op-def.js';
import { unaryOps } from './ops/unary.js';
import { binaryOps } from './ops/binary.js';
import { reduceOps } from './ops/reduce.js';
import { matMulOp } from './ops/matmul.js';
import { windowOps } from './ops/window.js';
import { movementOps } from './ops/movement.js';
import { sourceOps } from './ops/source.js';
import { windowGradOps } from './ops/window-grad.js';
import { scatterAddOp } from './ops/scatter.js';
import { customGradientOp } from './ops/custom.js';
import { controlFlowOps } from './ops/control-flow.js';

/** The closed set of primitives: one entry each. */
const registry = new Map<string, OpDef>();
for (const def of [...unaryOps, ...binaryOps, ...reduceOps, matMulOp, ...windowOps, ...movementOps, ...sourceOps, ...windowGradOps, scatterAddOp, customGradientOp, ...controlFlowOps]) {
  registry.set(def.name, def);
}

export function getOp(name: string): OpDef {
  const def = registry.get(name);
  if (!def) throw new Error(`kiln: no primitive named '${name}'`);
  return def;
}

export function allOps(): OpDef[] {
  return [...registry.values()];
}

/** Lets later layers (gradient rules) attach to an entry without the entry importing them. */
export function extendOp(name: string, extra: Partial<OpDef>): void {
  registry.set(name, { ...getOp(name), ...extra });
}
