// Public API of @tskube/registry. Each area owns its folder and its index.ts.
export * from './storage/index.js';
export * from './cache/index.js';
export * from './allocator/index.js';
export * from './store/index.js';
export * from './resources/index.js';
export * from './rest/index.js';
