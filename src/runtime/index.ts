export * from './backend.js';
export * from './cpu-backend.js';
export * from './storage.js';
export * from './executable.js';
