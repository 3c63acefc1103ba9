import type { ReduceKernel } from '../kernel.js';
import type { FuncBuilder } from './assembler.js';

export interface MatmulPlan { readonly x: number }
export function matchMatmul(_k: ReduceKernel): MatmulPlan | null { return null; }
export function renderMatmul(_k: ReduceKernel, _p: MatmulPlan): { f: FuncBuilder; rows: number; cols: number; colAlign: number; scratchBytes: number; describe: string } {
  throw new Error('todo');
}
