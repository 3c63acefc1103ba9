// `kiln inspect --backend webgpu`: the script runs on WebGPU (KILN_BACKEND), the kernels are
// WGSL, and the kernel report gives each one's workgroup size.
import { expect, it } from 'vitest';
import { describeWebGpu } from '../webgpu/webgpu-env.js';
import { fixture, kiln } from './helpers.js';

describeWebGpu('kiln inspect on webgpu', () => {
  it('reports WGSL kernels with their workgroup sizes', async () => {
    const { stdout, stderr, code } = await kiln(['inspect', fixture, '--fn', 'trainStep', '--kernels', '--backend', 'webgpu', '-q'],
      { XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? '/tmp' });
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('=== trace 0 of trainStep(f32[8,4], f32[8,3]) on webgpu');
    expect(stdout).toMatch(/bytes in\/out +FLOPs +workgroup\n/);
    expect(stdout).toMatch(/trainStep_\d+_\w+ +contraction .* \d+ +\d+(x\d+)*\n/);
    expect(stdout).toMatch(/\/\/ ----- kernel trainStep_0_\w+ \(wgsl, \w+, workgroup \d+(x\d+)*\)\n[\s\S]*@compute @workgroup_size\(/);
  });
});
