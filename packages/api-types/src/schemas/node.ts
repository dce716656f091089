/** core/v1 Node (the seed's "minion"). */
import { Type } from '@sinclair/typebox';
import { CORE_V1, ResourceListSchema, TimeSchema, anyObject, bool, int32, int64, opt, str, strings, struct } from './base.js';
import { ObjectMetaSchema, listOf, typeMeta } from './meta.js';

const c = (name: string) => CORE_V1 + name;

export const TaintSchema = struct(c('Taint'), {
  key: str(),
  value: opt(str()),
  effect: str(),
  timeAdded: opt(TimeSchema),
});

export const NodeSpecSchema = struct(c('NodeSpec'), {
  podCIDR: opt(str()),
  podCIDRs: opt(strings()),
  providerID: opt(str()),
  unschedulable: opt(bool()),
  taints: opt(Type.Array(TaintSchema)),
  configSource: opt(anyObject()),
  externalID: opt(str()),
});

export const NodeConditionSchema = struct(c('NodeCondition'), {
  type: str(),
  status: str(),
  lastHeartbeatTime: opt(TimeSchema),
  lastTransitionTime: opt(TimeSchema),
  reason: opt(str()),
  message: opt(str()),
});
export const NodeAddressSchema = struct(c('NodeAddress'), { type: str(), address: str() });
export const DaemonEndpointSchema = struct(c('DaemonEndpoint'), { Port: int32() });
export const NodeDaemonEndpointsSchema = struct(c('NodeDaemonEndpoints'), {
  kubeletEndpoint: opt(DaemonEndpointSchema),
});
export const NodeSystemInfoSchema = struct(c('NodeSystemInfo'), {
  machineID: str(),
  systemUUID: str(),
  bootID: str(),
  kernelVersion: str(),
  osImage: str(),
  containerRuntimeVersion: str(),
  kubeletVersion: str(),
  kubeProxyVersion: str(),
  operatingSystem: str(),
  architecture: str(),
  swap: opt(anyObject()),
});
export const ContainerImageSchema = struct(c('ContainerImage'), {
  names: opt(strings()),
  sizeBytes: opt(int64()),
});
export const AttachedVolumeSchema = struct(c('AttachedVolume'), { name: str(), devicePath: str() });

export const NodeStatusSchema = struct(c('NodeStatus'), {
  capacity: opt(ResourceListSchema()),
  allocatable: opt(ResourceListSchema()),
  phase: opt(str()),
  conditions: opt(Type.Array(NodeConditionSchema)),
  addresses: opt(Type.Array(NodeAddressSchema)),
  daemonEndpoints: opt(NodeDaemonEndpointsSchema),
  nodeInfo: opt(NodeSystemInfoSchema),
  images: opt(Type.Array(ContainerImageSchema)),
  volumesInUse: opt(strings()),
  volumesAttached: opt(Type.Array(AttachedVolumeSchema)),
  config: opt(anyObject()),
  runtimeHandlers: opt(Type.Array(anyObject())),
  features: opt(anyObject()),
});

export const NodeSchema = struct(c('Node'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(NodeSpecSchema),
  status: opt(NodeStatusSchema),
});
export const NodeListSchema = listOf(c('NodeList'), NodeSchema);
