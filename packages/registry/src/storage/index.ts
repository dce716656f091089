export * from './types.js';
export { createMemoryStorage, type MemoryStorageOptions } from './memory.js';
export { createEtcdStorage, type EtcdStorageOptions, type StorageLogger } from './etcd.js';
