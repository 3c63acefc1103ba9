import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { main } from '../../examples/tensors.js';

describe('examples/tensors.ts (chapters 2-2, 3-3)', () => {
  it('creates tensors, changes a variable in place, broadcasts, and differentiates once and twice', async () => {
    const r = await main({ verbose: false });
    expect(r.variableSteps).toEqual([
      [[3, 1, 3], [2, 3, 2]],
      [[1, 1, 1], [1, 1, 1]],
      [[2, 2, 2], [2, 2, 2]],
      [[0, 0, 0], [0, 0, 0]],
      [[5, 0, 0], [0, 0, 0]],
    ]);
    expect(r.broadcastSum).toEqual([[11, 12, 13], [24, 25, 26]]);
    expect(r.product).toEqual([[14, 32], [32, 77]]);
    expect(r.sums).toEqual({ all: 21, columns: [5, 7, 9], rows: [6, 15] });
    expect(r.gradient).toBe(6);
    expect(r.speed).toBeCloseTo(14.7, 4);
    expect(r.acceleration).toBeCloseTo(9.8, 5);
  });

  it('runs as a script (npx tsx examples/tensors.ts)', () => {
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'examples/tensors.ts', '--quick'], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('y = x², x = 3: dy/dx = 6');
    expect(run.stdout).toContain('acceleration = 9.80');
  });
});
