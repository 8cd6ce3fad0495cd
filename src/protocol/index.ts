export * from './primitives/index.js';
export * from './schema.js';
export * from './api-keys.js';
export * from './errors.js';
export * from './headers.js';
export * from './frame.js';
export * from './messages/index.js';
