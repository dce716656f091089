// Server-side Table printing (meta.k8s.io/v1 Table) for the kinds we serve.
export { toTable, columnDefinitions, type ToTableOptions, type IncludeObject } from './to-table.js';
export { humanDuration, translateTimestampSince } from './duration.js';
