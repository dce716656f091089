// Public API of @tskube/scheduler-core: pure scheduling logic, no I/O, no clock of its own.
export type * from './types.js';

export { createSchedulerCache, type SchedulerCache } from './cache/scheduler-cache.js';
export { createNodeInfo, podKey } from './node-info.js';
export {
  podRequests,
  nodeAllocatable,
  milliOf,
  valueOf,
  DEFAULT_MILLI_CPU_REQUEST,
  DEFAULT_MEMORY_REQUEST,
  DEFAULT_MAX_PODS,
  type PodRequests,
  type HostPortUse,
  type HostPathUse,
} from './resources.js';

export { MAX_NODE_SCORE, SKIP, newStatus, isSuccess, defaultNormalizeScore } from './framework/status.js';
export { toleratesTaint, tolerationsTolerateTaint, TAINT_NODE_NOT_READY, TAINT_NODE_UNSCHEDULABLE } from './framework/taints.js';

export {
  filterRegistry,
  scoreRegistry,
  defaultFilterPlugins,
  defaultScorePlugins,
  type PluginArgs,
  type PluginFactory,
} from './plugins/registry.js';
export * as nodeResourcesFit from './plugins/node-resources-fit/node-resources-fit.js';
export * as nodePorts from './plugins/node-ports/node-ports.js';
export * as nodeAffinity from './plugins/node-affinity/node-affinity.js';
export * as nodeName from './plugins/node-name/node-name.js';
export * as nodeReady from './plugins/node-ready/node-ready.js';
export * as nodeUnschedulable from './plugins/node-unschedulable/node-unschedulable.js';
export * as volumeRestrictions from './plugins/volume-restrictions/volume-restrictions.js';
export * as taintToleration from './plugins/taint-toleration/taint-toleration.js';
export * as nodeResourcesLeastAllocated from './plugins/node-resources-least-allocated/node-resources-least-allocated.js';
export * as nodeResourcesBalancedAllocation from './plugins/node-resources-balanced-allocation/node-resources-balanced-allocation.js';
export * as selectorSpread from './plugins/selector-spread/selector-spread.js';
export {
  staticSpreadSelectors,
  type SpreadSelector,
  type SpreadSelectors,
} from './plugins/selector-spread/selector-spread.js';

export {
  createGenericScheduler,
  numFeasibleNodesToFind,
  fitErrorMessage,
  selectHost,
  ERR_NO_NODES_AVAILABLE,
  MIN_FEASIBLE_NODES_TO_FIND,
  type GenericSchedulerOptions,
  type GenericSchedulerImpl,
} from './scheduler/generic-scheduler.js';
export { createRandom, type Random } from './scheduler/random.js';

export {
  createSchedulingQueue,
  backoffDuration,
  isPodUpdated,
  type SchedulingQueue,
  type SchedulingQueueOptions,
  type QueueLocation,
} from './queue/scheduling-queue.js';
