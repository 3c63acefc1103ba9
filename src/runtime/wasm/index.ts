export * from './heap.js';
export * from './wasm-backend.js';
export { createWasmBackend } from './create.js';
