export * from './labels.js';
export * from './fields.js';
export * from './object-fields.js';
