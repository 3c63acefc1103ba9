export * from './heap.js';
export * from './wasm-backend.js';
export { createWasmBackend, createWasmBackendNow, wasmSupported } from './create.js';
