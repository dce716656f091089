// Public API of @tskube/api-types. Each area owns its folder and its index.ts.
export * from './errors/index.js';
export * from './types/index.js';
export * from './defaults/index.js';
export * from './validation/index.js';
export * from './schemas/index.js';
export * from './selectors/index.js';
export * from './quantity/index.js';
