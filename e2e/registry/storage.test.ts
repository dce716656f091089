/** The storage contract, against the in-memory storage and against the real etcd of the run. */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { createEtcdStorage, createMemoryStorage } from '@tskube/registry';
import { describeStorageContract } from './storage-contract.js';

describeStorageContract('memory', async () => ({ storage: createMemoryStorage() }));

describeStorageContract('etcd', async () => ({
  // A unique namespace per test keeps tests apart on the shared etcd.
  storage: createEtcdStorage({ endpoints: [inject('etcdEndpoint')], prefix: `/tskube-test/${randomUUID()}` }),
}));
