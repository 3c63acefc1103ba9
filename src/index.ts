/**
 * kiln: a define-then-run tensor compiler for TypeScript.
 * `import * as kiln from 'kiln'` gives tensors, ops, compile, variables and backends.
 */
export * from './api/index.js';
export * as keras from './keras/index.js';
