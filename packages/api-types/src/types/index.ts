/** TypeScript types of the wire objects, derived from the TypeBox schemas (one source of truth). */
import type { Static } from '@sinclair/typebox';
import type * as S from '../schemas/index.js';

export * from './enums.js';
export * from './micro-time.js';

/** RFC 3339 timestamp, e.g. `2024-01-02T03:04:05Z`. */
export type Time = string;
export type MicroTime = string;
/** An int32 or a string (port name, percentage). */
export type IntOrString = number | string;
/**
 * A resource quantity as sent on the wire: `"500m"`, `"1Gi"` or a bare number. (`Quantity`
 * is the parsed, exact form from the quantity module: `parseQuantity(value)`.)
 */
export type QuantityValue = string | number;
export type ResourceList = Record<string, QuantityValue>;

export interface TypeMeta {
  apiVersion?: string;
  kind?: string;
}

/** Any top-level object: type meta plus object meta. */
export interface KubernetesObject extends TypeMeta {
  metadata?: ObjectMeta;
}

/** The generic `<Kind>List`. */
export interface List<T> extends TypeMeta {
  metadata?: ListMeta;
  items: T[];
}

// LabelSelector as a wire type is the selectors module's `LabelSelectorSpec` (same shape as
// LabelSelectorSchema); the name `LabelSelector` belongs to the parsed selector class there.

/** meta.k8s.io/v1 Status as a wire object (the thrown form is StatusError). */
export type StatusObject = Static<typeof S.StatusSchema>;

export type Affinity = Static<typeof S.AffinitySchema>;
export type AttachedVolume = Static<typeof S.AttachedVolumeSchema>;
export type Binding = Static<typeof S.BindingSchema>;
export type Capabilities = Static<typeof S.CapabilitiesSchema>;
export type ClientIPConfig = Static<typeof S.ClientIPConfigSchema>;
export type Condition = Static<typeof S.ConditionSchema>;
export type ConfigMapEnvSource = Static<typeof S.ConfigMapEnvSourceSchema>;
export type ConfigMapKeySelector = Static<typeof S.ConfigMapKeySelectorSchema>;
export type ConfigMapVolumeSource = Static<typeof S.ConfigMapVolumeSourceSchema>;
export type Container = Static<typeof S.ContainerSchema>;
export type ContainerImage = Static<typeof S.ContainerImageSchema>;
export type ContainerPort = Static<typeof S.ContainerPortSchema>;
export type ContainerResizePolicy = Static<typeof S.ContainerResizePolicySchema>;
export type ContainerState = Static<typeof S.ContainerStateSchema>;
export type ContainerStateRunning = Static<typeof S.ContainerStateRunningSchema>;
export type ContainerStateTerminated = Static<typeof S.ContainerStateTerminatedSchema>;
export type ContainerStateWaiting = Static<typeof S.ContainerStateWaitingSchema>;
export type ContainerStatus = Static<typeof S.ContainerStatusSchema>;
export type DaemonEndpoint = Static<typeof S.DaemonEndpointSchema>;
export type DeleteOptions = Static<typeof S.DeleteOptionsSchema>;
export type DownwardAPIVolumeFile = Static<typeof S.DownwardAPIVolumeFileSchema>;
export type DownwardAPIVolumeSource = Static<typeof S.DownwardAPIVolumeSourceSchema>;
export type EmptyDirVolumeSource = Static<typeof S.EmptyDirVolumeSourceSchema>;
export type EndpointAddress = Static<typeof S.EndpointAddressSchema>;
export type EndpointPort = Static<typeof S.EndpointPortSchema>;
export type EndpointSubset = Static<typeof S.EndpointSubsetSchema>;
export type Endpoints = Static<typeof S.EndpointsSchema>;
export type EndpointsList = Static<typeof S.EndpointsListSchema>;
export type EnvFromSource = Static<typeof S.EnvFromSourceSchema>;
export type EnvVar = Static<typeof S.EnvVarSchema>;
export type EnvVarSource = Static<typeof S.EnvVarSourceSchema>;
export type EphemeralContainer = Static<typeof S.EphemeralContainerSchema>;
export type Event = Static<typeof S.EventSchema>;
export type EventList = Static<typeof S.EventListSchema>;
export type EventSeries = Static<typeof S.EventSeriesSchema>;
export type EventSource = Static<typeof S.EventSourceSchema>;
export type ExecAction = Static<typeof S.ExecActionSchema>;
export type GRPCAction = Static<typeof S.GRPCActionSchema>;
export type HTTPGetAction = Static<typeof S.HTTPGetActionSchema>;
export type HTTPHeader = Static<typeof S.HTTPHeaderSchema>;
export type HostAlias = Static<typeof S.HostAliasSchema>;
export type HostIP = Static<typeof S.HostIPSchema>;
export type HostPathVolumeSource = Static<typeof S.HostPathVolumeSourceSchema>;
export type KeyToPath = Static<typeof S.KeyToPathSchema>;
export type Lease = Static<typeof S.LeaseSchema>;
export type LeaseList = Static<typeof S.LeaseListSchema>;
export type LeaseSpec = Static<typeof S.LeaseSpecSchema>;
export type Lifecycle = Static<typeof S.LifecycleSchema>;
export type LifecycleHandler = Static<typeof S.LifecycleHandlerSchema>;
export type ListMeta = Static<typeof S.ListMetaSchema>;
export type LoadBalancerIngress = Static<typeof S.LoadBalancerIngressSchema>;
export type LoadBalancerStatus = Static<typeof S.LoadBalancerStatusSchema>;
export type LocalObjectReference = Static<typeof S.LocalObjectReferenceSchema>;
export type ManagedFieldsEntry = Static<typeof S.ManagedFieldsEntrySchema>;
export type Namespace = Static<typeof S.NamespaceSchema>;
export type NamespaceCondition = Static<typeof S.NamespaceConditionSchema>;
export type NamespaceList = Static<typeof S.NamespaceListSchema>;
export type NamespaceSpec = Static<typeof S.NamespaceSpecSchema>;
export type NamespaceStatus = Static<typeof S.NamespaceStatusSchema>;
export type Node = Static<typeof S.NodeSchema>;
export type NodeAddress = Static<typeof S.NodeAddressSchema>;
export type NodeCondition = Static<typeof S.NodeConditionSchema>;
export type NodeDaemonEndpoints = Static<typeof S.NodeDaemonEndpointsSchema>;
export type NodeList = Static<typeof S.NodeListSchema>;
export type NodeSpec = Static<typeof S.NodeSpecSchema>;
export type NodeStatus = Static<typeof S.NodeStatusSchema>;
export type NodeSystemInfo = Static<typeof S.NodeSystemInfoSchema>;
export type ObjectFieldSelector = Static<typeof S.ObjectFieldSelectorSchema>;
export type ObjectMeta = Static<typeof S.ObjectMetaSchema>;
export type ObjectReference = Static<typeof S.ObjectReferenceSchema>;
export type OwnerReference = Static<typeof S.OwnerReferenceSchema>;
export type PersistentVolumeClaimVolumeSource = Static<typeof S.PersistentVolumeClaimVolumeSourceSchema>;
export type Pod = Static<typeof S.PodSchema>;
export type PodCondition = Static<typeof S.PodConditionSchema>;
export type PodDNSConfig = Static<typeof S.PodDNSConfigSchema>;
export type PodDNSConfigOption = Static<typeof S.PodDNSConfigOptionSchema>;
export type PodIP = Static<typeof S.PodIPSchema>;
export type PodList = Static<typeof S.PodListSchema>;
export type PodOS = Static<typeof S.PodOSSchema>;
export type PodReadinessGate = Static<typeof S.PodReadinessGateSchema>;
export type PodSchedulingGate = Static<typeof S.PodSchedulingGateSchema>;
export type PodSecurityContext = Static<typeof S.PodSecurityContextSchema>;
export type PodSpec = Static<typeof S.PodSpecSchema>;
export type PodStatus = Static<typeof S.PodStatusSchema>;
export type PodTemplateSpec = Static<typeof S.PodTemplateSpecSchema>;
export type PortStatus = Static<typeof S.PortStatusSchema>;
export type Preconditions = Static<typeof S.PreconditionsSchema>;
export type Probe = Static<typeof S.ProbeSchema>;
export type ProjectedVolumeSource = Static<typeof S.ProjectedVolumeSourceSchema>;
export type RawExtension = Static<typeof S.RawExtensionSchema>;
export type ReplicationController = Static<typeof S.ReplicationControllerSchema>;
export type ReplicationControllerCondition = Static<typeof S.ReplicationControllerConditionSchema>;
export type ReplicationControllerList = Static<typeof S.ReplicationControllerListSchema>;
export type ReplicationControllerSpec = Static<typeof S.ReplicationControllerSpecSchema>;
export type ReplicationControllerStatus = Static<typeof S.ReplicationControllerStatusSchema>;
export type ResourceClaim = Static<typeof S.ResourceClaimSchema>;
export type ResourceFieldSelector = Static<typeof S.ResourceFieldSelectorSchema>;
export type ResourceRequirements = Static<typeof S.ResourceRequirementsSchema>;
export type Scale = Static<typeof S.ScaleSchema>;
export type ScaleSpec = Static<typeof S.ScaleSpecSchema>;
export type ScaleStatus = Static<typeof S.ScaleStatusSchema>;
export type SecretEnvSource = Static<typeof S.SecretEnvSourceSchema>;
export type SecretKeySelector = Static<typeof S.SecretKeySelectorSchema>;
export type SecretVolumeSource = Static<typeof S.SecretVolumeSourceSchema>;
export type SecurityContext = Static<typeof S.SecurityContextSchema>;
export type Service = Static<typeof S.ServiceSchema>;
export type ServiceList = Static<typeof S.ServiceListSchema>;
export type ServicePort = Static<typeof S.ServicePortSchema>;
export type ServiceSpec = Static<typeof S.ServiceSpecSchema>;
export type ServiceStatus = Static<typeof S.ServiceStatusSchema>;
export type SessionAffinityConfig = Static<typeof S.SessionAffinityConfigSchema>;
export type SleepAction = Static<typeof S.SleepActionSchema>;
export type Sysctl = Static<typeof S.SysctlSchema>;
export type TCPSocketAction = Static<typeof S.TCPSocketActionSchema>;
export type Table = Static<typeof S.TableSchema>;
export type TableColumnDefinition = Static<typeof S.TableColumnDefinitionSchema>;
export type TableRow = Static<typeof S.TableRowSchema>;
export type TableRowCondition = Static<typeof S.TableRowConditionSchema>;
export type Taint = Static<typeof S.TaintSchema>;
export type Toleration = Static<typeof S.TolerationSchema>;
export type TopologySpreadConstraint = Static<typeof S.TopologySpreadConstraintSchema>;
export type Volume = Static<typeof S.VolumeSchema>;
export type VolumeDevice = Static<typeof S.VolumeDeviceSchema>;
export type VolumeMount = Static<typeof S.VolumeMountSchema>;
