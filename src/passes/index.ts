export * from './pass.js';
export * from './dce.js';
export * from './partition.js';
export * from './pass-manager.js';
export * from './gradients.js';
export * from './fusion.js';
export * from './memory-plan.js';
