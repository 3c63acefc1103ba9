export * from './kernel.js';
export * from './affine.js';
export * from './lower.js';
export * from './program.js';
export * from './js.js';
export * from './aligned.js';
