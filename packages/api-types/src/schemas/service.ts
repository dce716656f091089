/** core/v1 Service and Endpoints. */
import { Type } from '@sinclair/typebox';
import { CORE_V1, IntOrStringSchema, bool, int32, opt, str, stringMap, strings, struct } from './base.js';
import { ConditionSchema, ObjectMetaSchema, ObjectReferenceSchema, listOf, typeMeta } from './meta.js';

const c = (name: string) => CORE_V1 + name;

export const ServicePortSchema = struct(c('ServicePort'), {
  name: opt(str()),
  protocol: opt(str()),
  appProtocol: opt(str()),
  port: int32(),
  targetPort: opt(IntOrStringSchema),
  nodePort: opt(int32()),
});
export const ClientIPConfigSchema = struct(c('ClientIPConfig'), { timeoutSeconds: opt(int32()) });
export const SessionAffinityConfigSchema = struct(c('SessionAffinityConfig'), {
  clientIP: opt(ClientIPConfigSchema),
});

export const ServiceSpecSchema = struct(c('ServiceSpec'), {
  ports: opt(Type.Array(ServicePortSchema)),
  selector: opt(stringMap()),
  clusterIP: opt(str()),
  clusterIPs: opt(strings()),
  type: opt(str()),
  externalIPs: opt(strings()),
  sessionAffinity: opt(str()),
  loadBalancerIP: opt(str()),
  loadBalancerSourceRanges: opt(strings()),
  externalName: opt(str()),
  externalTrafficPolicy: opt(str()),
  healthCheckNodePort: opt(int32()),
  publishNotReadyAddresses: opt(bool()),
  sessionAffinityConfig: opt(SessionAffinityConfigSchema),
  ipFamilies: opt(strings()),
  ipFamilyPolicy: opt(str()),
  allocateLoadBalancerNodePorts: opt(bool()),
  loadBalancerClass: opt(str()),
  internalTrafficPolicy: opt(str()),
  trafficDistribution: opt(str()),
});

export const PortStatusSchema = struct(c('PortStatus'), { port: int32(), protocol: str(), error: opt(str()) });
export const LoadBalancerIngressSchema = struct(c('LoadBalancerIngress'), {
  ip: opt(str()),
  hostname: opt(str()),
  ipMode: opt(str()),
  ports: opt(Type.Array(PortStatusSchema)),
});
export const LoadBalancerStatusSchema = struct(c('LoadBalancerStatus'), {
  ingress: opt(Type.Array(LoadBalancerIngressSchema)),
});
export const ServiceStatusSchema = struct(c('ServiceStatus'), {
  loadBalancer: opt(LoadBalancerStatusSchema),
  conditions: opt(Type.Array(ConditionSchema)),
});

export const ServiceSchema = struct(c('Service'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ServiceSpecSchema),
  status: opt(ServiceStatusSchema),
});
export const ServiceListSchema = listOf(c('ServiceList'), ServiceSchema);

export const EndpointAddressSchema = struct(c('EndpointAddress'), {
  ip: str(),
  hostname: opt(str()),
  nodeName: opt(str()),
  targetRef: opt(ObjectReferenceSchema),
});
export const EndpointPortSchema = struct(c('EndpointPort'), {
  name: opt(str()),
  port: int32(),
  protocol: opt(str()),
  appProtocol: opt(str()),
});
export const EndpointSubsetSchema = struct(c('EndpointSubset'), {
  addresses: opt(Type.Array(EndpointAddressSchema)),
  notReadyAddresses: opt(Type.Array(EndpointAddressSchema)),
  ports: opt(Type.Array(EndpointPortSchema)),
});
export const EndpointsSchema = struct(c('Endpoints'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  subsets: opt(Type.Array(EndpointSubsetSchema)),
});
export const EndpointsListSchema = listOf(c('EndpointsList'), EndpointsSchema);
