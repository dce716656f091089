export * from './status-error.js';
export * from './constructors.js';
