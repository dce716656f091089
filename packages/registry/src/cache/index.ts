export type { CacheEvent, CacheWatcher, CacheWatchOptions, StoredObject, WatchCache, WatchEventType } from './types.js';
export { createWatchCache, type CacheLogger, type WatchCacheOptions } from './watch-cache.js';
