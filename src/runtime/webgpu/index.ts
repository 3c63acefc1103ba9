export * from './webgpu-backend.js';
export * from './device.js';
export * from './buffer-pool.js';
export * from './gpu-errors.js';
