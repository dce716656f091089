// Public API of @tskube/client.
export { configFromKubeconfigObject, configFromMaster, loadKubeconfig } from './config.js';
export type { ClientConfig, KubeconfigOptions } from './config.js';

export { createClient, collectionPath, itemPath, COORDINATION_V1, PATCH_CONTENT_TYPES } from './rest-client.js';
export type {
  Client,
  ResourceClient,
  PodClient,
  ReplicationControllerClient,
  ListOptions,
  PatchType,
  PodLogOptions,
  InformerOptions,
} from './rest-client.js';
export { Transport, isConnectionError, errorFromResponse, buildQuery } from './transport.js';
export type { RequestOptions, Query, QueryValue } from './transport.js';

export { watchPath, watchWithResume, ndjson, decodeWatchEvents } from './watch.js';
export type { WatchEvent, WatchEventType, WatchOptions, WatchFn, WatchWithResumeOptions } from './watch.js';

export { createInformer, objectKey, splitKey } from './informer.js';
export type { Informer, InformerConfig, EventHandlers, Lister } from './informer.js';

export { createWorkQueue, runWorkers } from './work-queue.js';
export type { WorkQueue, WorkQueueOptions, RunWorkersOptions } from './work-queue.js';
export {
  TokenBucket,
  itemExponentialFailureRateLimiter,
  bucketRateLimiter,
  maxOfRateLimiter,
  defaultControllerRateLimiter,
} from './rate-limit.js';
export type { RateLimiter } from './rate-limit.js';

export { createLeaderElector, endpointsLock, leaseLock, leaseSpecOf, recordOfLease, LEADER_ANNOTATION } from './leader-election.js';
export type { LeaderElector, LeaderElectorConfig, LeaderElectionRecord, LockRef, LockState, ResourceLock } from './leader-election.js';

export {
  createEventRecorder,
  COMBINED_PREFIX,
  EVENT_AGGREGATE_MAX,
  EVENT_AGGREGATE_WINDOW_MS,
  EVENT_CACHE_SIZE,
  EVENT_DEDUP_WINDOW_MS,
  EVENT_QUEUE_SIZE,
  EVENT_SPAM_BURST,
  EVENT_SPAM_REFILL_MS,
} from './event-recorder.js';
export type { EventRecorder, EventRecorderOptions, EventObject, EventSink, EventType } from './event-recorder.js';
