/**
 * Field tables for the protobuf messages we decode, transcribed from k8s.io/api core/v1,
 * autoscaling/v1 and k8s.io/apimachinery meta/v1 generated.proto. Field numbers never change
 * upstream (new fields only get new numbers), so fields we do not list are skipped by wire type.
 *
 * One entry per field: `<jsonName> <type>[!]`.
 * - type: string | bytes | bool | int32 | int64 | Time | MicroTime | Quantity | IntOrString (in their
 *   JSON forms), a message name, `[]<type>` (repeated) or `map<type>` (string keys).
 * - jsonName `...` inlines the sub-message's fields into the parent (Go's embedded structs:
 *   Volume.volumeSource, Probe.handler, the selectors' localObjectReference).
 * - `!` keeps a zero value. The encoder (gogo proto2) writes every non-pointer scalar, set or not,
 *   so a zero is dropped — as Go's `omitempty` JSON would — unless the Go field is a pointer
 *   (presence matters: `terminationGracePeriodSeconds: 0`) or has no omitempty (our schemas
 *   require it: `containerPort`, `ready`).
 */

export type Scalar = 'string' | 'bytes' | 'bool' | 'int32' | 'int64' | 'Time' | 'MicroTime' | 'Quantity' | 'IntOrString';

export interface FieldDef {
  /** JSON name; undefined for an inlined (embedded) message. */
  name: string | undefined;
  /** A scalar or the name of a message in MESSAGES. */
  type: string;
  repeated: boolean;
  /** map<string, type> (entries: key = 1, value = 2). */
  map: boolean;
  keepZero: boolean;
}

export const SCALARS: ReadonlySet<string> = new Set<Scalar>([
  'string',
  'bytes',
  'bool',
  'int32',
  'int64',
  'Time',
  'MicroTime',
  'Quantity',
  'IntOrString',
]);

type Table = Record<number, string>;

const LOCAL_REF = { 1: '... LocalObjectReference' } as const;

const TABLES: Record<string, Table> = {
  // --- k8s.io/apimachinery/pkg/apis/meta/v1 ---
  ObjectMeta: {
    1: 'name string',
    2: 'generateName string',
    3: 'namespace string',
    4: 'selfLink string',
    5: 'uid string',
    6: 'resourceVersion string',
    7: 'generation int64',
    8: 'creationTimestamp Time',
    9: 'deletionTimestamp Time',
    10: 'deletionGracePeriodSeconds int64!',
    11: 'labels map<string>',
    12: 'annotations map<string>',
    13: 'ownerReferences []OwnerReference',
    14: 'finalizers []string',
    // 17 managedFields: skipped (server-side apply bookkeeping).
  },
  OwnerReference: {
    1: 'kind string!',
    3: 'name string!',
    4: 'uid string!',
    5: 'apiVersion string!',
    6: 'controller bool!',
    7: 'blockOwnerDeletion bool!',
  },
  Condition: {
    1: 'type string!',
    2: 'status string!',
    3: 'observedGeneration int64',
    4: 'lastTransitionTime Time',
    5: 'reason string!',
    6: 'message string!',
  },
  LabelSelector: { 1: 'matchLabels map<string>', 2: 'matchExpressions []LabelSelectorRequirement' },
  LabelSelectorRequirement: { 1: 'key string!', 2: 'operator string!', 3: 'values []string' },
  DeleteOptions: {
    1: 'gracePeriodSeconds int64!',
    2: 'preconditions Preconditions',
    3: 'orphanDependents bool!',
    4: 'propagationPolicy string!',
    5: 'dryRun []string',
  },
  Preconditions: { 1: 'uid string!', 2: 'resourceVersion string!' },

  // --- k8s.io/api/core/v1: Namespace ---
  Namespace: { 1: 'metadata ObjectMeta', 2: 'spec NamespaceSpec', 3: 'status NamespaceStatus' },
  NamespaceSpec: { 1: 'finalizers []string' },
  NamespaceStatus: { 1: 'phase string', 2: 'conditions []NamespaceCondition' },
  NamespaceCondition: {
    1: 'type string!',
    2: 'status string!',
    4: 'lastTransitionTime Time',
    5: 'reason string',
    6: 'message string',
  },

  // --- Service ---
  Service: { 1: 'metadata ObjectMeta', 2: 'spec ServiceSpec', 3: 'status ServiceStatus' },
  ServiceSpec: {
    1: 'ports []ServicePort',
    2: 'selector map<string>',
    3: 'clusterIP string',
    18: 'clusterIPs []string',
    4: 'type string',
    5: 'externalIPs []string',
    7: 'sessionAffinity string',
    8: 'loadBalancerIP string',
    9: 'loadBalancerSourceRanges []string',
    10: 'externalName string',
    11: 'externalTrafficPolicy string',
    12: 'healthCheckNodePort int32',
    13: 'publishNotReadyAddresses bool',
    14: 'sessionAffinityConfig SessionAffinityConfig',
    19: 'ipFamilies []string',
    17: 'ipFamilyPolicy string!',
    20: 'allocateLoadBalancerNodePorts bool!',
    21: 'loadBalancerClass string!',
    22: 'internalTrafficPolicy string!',
  },
  ServicePort: {
    1: 'name string',
    2: 'protocol string',
    6: 'appProtocol string!',
    3: 'port int32!',
    4: 'targetPort IntOrString',
    5: 'nodePort int32',
  },
  SessionAffinityConfig: { 1: 'clientIP ClientIPConfig' },
  ClientIPConfig: { 1: 'timeoutSeconds int32!' },
  ServiceStatus: { 1: 'loadBalancer LoadBalancerStatus', 2: 'conditions []Condition' },
  LoadBalancerStatus: { 1: 'ingress []LoadBalancerIngress' },
  LoadBalancerIngress: { 1: 'ip string', 2: 'hostname string', 4: 'ports []PortStatus' },
  PortStatus: { 1: 'port int32!', 2: 'protocol string!', 3: 'error string!' },

  // --- Endpoints ---
  Endpoints: { 1: 'metadata ObjectMeta', 2: 'subsets []EndpointSubset' },
  EndpointSubset: { 1: 'addresses []EndpointAddress', 2: 'notReadyAddresses []EndpointAddress', 3: 'ports []EndpointPort' },
  EndpointAddress: { 1: 'ip string!', 3: 'hostname string', 4: 'nodeName string!', 2: 'targetRef ObjectReference' },
  EndpointPort: { 1: 'name string', 2: 'port int32!', 3: 'protocol string', 4: 'appProtocol string!' },
  ObjectReference: {
    1: 'kind string',
    2: 'namespace string',
    3: 'name string',
    4: 'uid string',
    5: 'apiVersion string',
    6: 'resourceVersion string',
    7: 'fieldPath string',
  },

  // --- Binding, Event ---
  Binding: { 1: 'metadata ObjectMeta', 2: 'target ObjectReference' },
  Event: {
    1: 'metadata ObjectMeta',
    2: 'involvedObject ObjectReference',
    3: 'reason string',
    4: 'message string',
    5: 'source EventSource',
    6: 'firstTimestamp Time',
    7: 'lastTimestamp Time',
    8: 'count int32',
    9: 'type string',
    10: 'eventTime MicroTime',
    11: 'series EventSeries',
    12: 'action string',
    13: 'related ObjectReference',
    14: 'reportingComponent string',
    15: 'reportingInstance string',
  },
  EventSource: { 1: 'component string', 2: 'host string' },
  EventSeries: { 1: 'count int32', 2: 'lastObservedTime MicroTime' },

  // --- Node ---
  Node: { 1: 'metadata ObjectMeta', 2: 'spec NodeSpec', 3: 'status NodeStatus' },
  NodeSpec: {
    1: 'podCIDR string',
    7: 'podCIDRs []string',
    3: 'providerID string',
    4: 'unschedulable bool',
    5: 'taints []Taint',
    2: 'externalID string',
  },
  Taint: { 1: 'key string!', 2: 'value string', 3: 'effect string!', 4: 'timeAdded Time' },
  NodeStatus: {
    1: 'capacity map<Quantity>',
    2: 'allocatable map<Quantity>',
    3: 'phase string',
    4: 'conditions []NodeCondition',
    5: 'addresses []NodeAddress',
    6: 'daemonEndpoints NodeDaemonEndpoints',
    7: 'nodeInfo NodeSystemInfo',
    8: 'images []ContainerImage',
    9: 'volumesInUse []string',
    10: 'volumesAttached []AttachedVolume',
  },
  NodeCondition: {
    1: 'type string!',
    2: 'status string!',
    3: 'lastHeartbeatTime Time',
    4: 'lastTransitionTime Time',
    5: 'reason string',
    6: 'message string',
  },
  NodeAddress: { 1: 'type string!', 2: 'address string!' },
  NodeDaemonEndpoints: { 1: 'kubeletEndpoint DaemonEndpoint' },
  DaemonEndpoint: { 1: 'Port int32!' },
  NodeSystemInfo: {
    1: 'machineID string!',
    2: 'systemUUID string!',
    3: 'bootID string!',
    4: 'kernelVersion string!',
    5: 'osImage string!',
    6: 'containerRuntimeVersion string!',
    7: 'kubeletVersion string!',
    8: 'kubeProxyVersion string!',
    9: 'operatingSystem string!',
    10: 'architecture string!',
  },
  ContainerImage: { 1: 'names []string', 2: 'sizeBytes int64' },
  AttachedVolume: { 1: 'name string!', 2: 'devicePath string!' },

  // --- ReplicationController ---
  ReplicationController: { 1: 'metadata ObjectMeta', 2: 'spec ReplicationControllerSpec', 3: 'status ReplicationControllerStatus' },
  ReplicationControllerSpec: {
    1: 'replicas int32!',
    4: 'minReadySeconds int32',
    2: 'selector map<string>',
    3: 'template PodTemplateSpec',
  },
  ReplicationControllerStatus: {
    1: 'replicas int32!',
    2: 'fullyLabeledReplicas int32',
    4: 'readyReplicas int32',
    5: 'availableReplicas int32',
    3: 'observedGeneration int64',
    6: 'conditions []ReplicationControllerCondition',
  },
  ReplicationControllerCondition: {
    1: 'type string!',
    2: 'status string!',
    3: 'lastTransitionTime Time',
    4: 'reason string',
    5: 'message string',
  },
  PodTemplateSpec: { 1: 'metadata ObjectMeta', 2: 'spec PodSpec' },

  // --- k8s.io/api/autoscaling/v1: Scale ---
  Scale: { 1: 'metadata ObjectMeta', 2: 'spec ScaleSpec', 3: 'status ScaleStatus' },
  ScaleSpec: { 1: 'replicas int32' },
  ScaleStatus: { 1: 'replicas int32!', 2: 'selector string' },

  // --- Pod ---
  Pod: { 1: 'metadata ObjectMeta', 2: 'spec PodSpec', 3: 'status PodStatus' },
  PodSpec: {
    1: 'volumes []Volume',
    20: 'initContainers []Container',
    2: 'containers []Container',
    3: 'restartPolicy string',
    4: 'terminationGracePeriodSeconds int64!',
    5: 'activeDeadlineSeconds int64!',
    6: 'dnsPolicy string',
    7: 'nodeSelector map<string>',
    8: 'serviceAccountName string',
    9: 'serviceAccount string',
    21: 'automountServiceAccountToken bool!',
    10: 'nodeName string',
    11: 'hostNetwork bool',
    12: 'hostPID bool',
    13: 'hostIPC bool',
    27: 'shareProcessNamespace bool!',
    14: 'securityContext PodSecurityContext',
    15: 'imagePullSecrets []LocalObjectReference',
    16: 'hostname string',
    17: 'subdomain string',
    19: 'schedulerName string',
    22: 'tolerations []Toleration',
    23: 'hostAliases []HostAlias',
    24: 'priorityClassName string',
    25: 'priority int32!',
    26: 'dnsConfig PodDNSConfig',
    28: 'readinessGates []PodReadinessGate',
    29: 'runtimeClassName string!',
    30: 'enableServiceLinks bool!',
    31: 'preemptionPolicy string!',
    32: 'overhead map<Quantity>',
    35: 'setHostnameAsFQDN bool!',
    36: 'os PodOS',
    37: 'hostUsers bool!',
    38: 'schedulingGates []PodSchedulingGate',
    // 18 affinity, 33 topologySpreadConstraints, 34 ephemeralContainers, 39 resourceClaims: skipped.
  },
  Container: {
    1: 'name string!',
    2: 'image string',
    3: 'command []string',
    4: 'args []string',
    5: 'workingDir string',
    6: 'ports []ContainerPort',
    19: 'envFrom []EnvFromSource',
    7: 'env []EnvVar',
    8: 'resources ResourceRequirements',
    9: 'volumeMounts []VolumeMount',
    10: 'livenessProbe Probe',
    11: 'readinessProbe Probe',
    22: 'startupProbe Probe',
    12: 'lifecycle Lifecycle',
    13: 'terminationMessagePath string',
    20: 'terminationMessagePolicy string',
    14: 'imagePullPolicy string',
    15: 'securityContext SecurityContext',
    16: 'stdin bool',
    17: 'stdinOnce bool',
    18: 'tty bool',
    24: 'restartPolicy string!',
    // 21 volumeDevices, 23 resizePolicy: skipped.
  },
  ContainerPort: { 1: 'name string', 2: 'hostPort int32', 3: 'containerPort int32!', 4: 'protocol string', 5: 'hostIP string' },
  EnvFromSource: { 1: 'prefix string', 2: 'configMapRef ConfigMapEnvSource', 3: 'secretRef SecretEnvSource' },
  ConfigMapEnvSource: { ...LOCAL_REF, 2: 'optional bool!' },
  SecretEnvSource: { ...LOCAL_REF, 2: 'optional bool!' },
  LocalObjectReference: { 1: 'name string' },
  EnvVar: { 1: 'name string!', 2: 'value string', 3: 'valueFrom EnvVarSource' },
  EnvVarSource: {
    1: 'fieldRef ObjectFieldSelector',
    2: 'resourceFieldRef ResourceFieldSelector',
    3: 'configMapKeyRef ConfigMapKeySelector',
    4: 'secretKeyRef SecretKeySelector',
  },
  ObjectFieldSelector: { 1: 'apiVersion string', 2: 'fieldPath string!' },
  ResourceFieldSelector: { 1: 'containerName string', 2: 'resource string!', 3: 'divisor Quantity' },
  ConfigMapKeySelector: { ...LOCAL_REF, 2: 'key string!', 3: 'optional bool!' },
  SecretKeySelector: { ...LOCAL_REF, 2: 'key string!', 3: 'optional bool!' },
  ResourceRequirements: { 1: 'limits map<Quantity>', 2: 'requests map<Quantity>' },
  VolumeMount: {
    1: 'name string!',
    2: 'readOnly bool',
    3: 'mountPath string!',
    4: 'subPath string',
    5: 'mountPropagation string!',
    6: 'subPathExpr string',
  },
  Probe: {
    1: '... ProbeHandler',
    2: 'initialDelaySeconds int32',
    3: 'timeoutSeconds int32',
    4: 'periodSeconds int32',
    5: 'successThreshold int32',
    6: 'failureThreshold int32',
    7: 'terminationGracePeriodSeconds int64!',
  },
  ProbeHandler: { 1: 'exec ExecAction', 2: 'httpGet HTTPGetAction', 3: 'tcpSocket TCPSocketAction', 4: 'grpc GRPCAction' },
  Lifecycle: { 1: 'postStart LifecycleHandler', 2: 'preStop LifecycleHandler' },
  LifecycleHandler: { 1: 'exec ExecAction', 2: 'httpGet HTTPGetAction', 3: 'tcpSocket TCPSocketAction' },
  ExecAction: { 1: 'command []string' },
  HTTPGetAction: { 1: 'path string', 2: 'port IntOrString!', 3: 'host string', 4: 'scheme string', 5: 'httpHeaders []HTTPHeader' },
  HTTPHeader: { 1: 'name string!', 2: 'value string!' },
  TCPSocketAction: { 1: 'port IntOrString!', 2: 'host string' },
  GRPCAction: { 1: 'port int32!', 2: 'service string!' },
  SecurityContext: {
    1: 'capabilities Capabilities',
    2: 'privileged bool!',
    4: 'runAsUser int64!',
    8: 'runAsGroup int64!',
    5: 'runAsNonRoot bool!',
    6: 'readOnlyRootFilesystem bool!',
    7: 'allowPrivilegeEscalation bool!',
    9: 'procMount string!',
    11: 'seccompProfile SeccompProfile',
  },
  Capabilities: { 1: 'add []string', 2: 'drop []string' },
  SeccompProfile: { 1: 'type string!', 2: 'localhostProfile string!' },
  PodSecurityContext: {
    2: 'runAsUser int64!',
    6: 'runAsGroup int64!',
    3: 'runAsNonRoot bool!',
    4: 'supplementalGroups []int64',
    5: 'fsGroup int64!',
    7: 'sysctls []Sysctl',
    9: 'fsGroupChangePolicy string!',
    10: 'seccompProfile SeccompProfile',
  },
  Sysctl: { 1: 'name string!', 2: 'value string!' },
  Toleration: { 1: 'key string', 2: 'operator string', 3: 'value string', 4: 'effect string', 5: 'tolerationSeconds int64!' },
  HostAlias: { 1: 'ip string!', 2: 'hostnames []string' },
  PodDNSConfig: { 1: 'nameservers []string', 2: 'searches []string', 3: 'options []PodDNSConfigOption' },
  PodDNSConfigOption: { 1: 'name string', 2: 'value string!' },
  PodReadinessGate: { 1: 'conditionType string!' },
  PodOS: { 1: 'name string!' },
  PodSchedulingGate: { 1: 'name string!' },
  Volume: { 1: 'name string!', 2: '... VolumeSource' },
  VolumeSource: {
    1: 'hostPath HostPathVolumeSource',
    2: 'emptyDir EmptyDirVolumeSource',
    6: 'secret SecretVolumeSource',
    7: 'nfs NFSVolumeSource',
    10: 'persistentVolumeClaim PersistentVolumeClaimVolumeSource',
    19: 'configMap ConfigMapVolumeSource',
  },
  HostPathVolumeSource: { 1: 'path string!', 2: 'type string!' },
  EmptyDirVolumeSource: { 1: 'medium string', 2: 'sizeLimit Quantity!' },
  SecretVolumeSource: { 1: 'secretName string', 2: 'items []KeyToPath', 3: 'defaultMode int32!', 4: 'optional bool!' },
  ConfigMapVolumeSource: { ...LOCAL_REF, 2: 'items []KeyToPath', 3: 'defaultMode int32!', 4: 'optional bool!' },
  KeyToPath: { 1: 'key string!', 2: 'path string!', 3: 'mode int32!' },
  NFSVolumeSource: { 1: 'server string!', 2: 'path string!', 3: 'readOnly bool' },
  PersistentVolumeClaimVolumeSource: { 1: 'claimName string!', 2: 'readOnly bool' },
  PodStatus: {
    1: 'phase string',
    2: 'conditions []PodCondition',
    3: 'message string',
    4: 'reason string',
    11: 'nominatedNodeName string',
    5: 'hostIP string',
    6: 'podIP string',
    12: 'podIPs []PodIP',
    7: 'startTime Time',
    10: 'initContainerStatuses []ContainerStatus',
    8: 'containerStatuses []ContainerStatus',
    9: 'qosClass string',
  },
  PodCondition: {
    1: 'type string!',
    2: 'status string!',
    3: 'lastProbeTime Time',
    4: 'lastTransitionTime Time',
    5: 'reason string',
    6: 'message string',
  },
  PodIP: { 1: 'ip string!' },
  ContainerStatus: {
    1: 'name string!',
    2: 'state ContainerState',
    3: 'lastState ContainerState',
    4: 'ready bool!',
    5: 'restartCount int32!',
    6: 'image string!',
    7: 'imageID string!',
    8: 'containerID string',
    9: 'started bool!',
  },
  ContainerState: { 1: 'waiting ContainerStateWaiting', 2: 'running ContainerStateRunning', 3: 'terminated ContainerStateTerminated' },
  ContainerStateWaiting: { 1: 'reason string', 2: 'message string' },
  ContainerStateRunning: { 1: 'startedAt Time' },
  // --- k8s.io/api authorization/v1 and authentication/v1: the self reviews `kubectl auth` sends ---
  SelfSubjectAccessReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectAccessReviewSpec' },
  SelfSubjectAccessReviewSpec: { 1: 'resourceAttributes ResourceAttributes', 2: 'nonResourceAttributes NonResourceAttributes' },
  ResourceAttributes: {
    1: 'namespace string',
    2: 'verb string',
    3: 'group string',
    4: 'version string',
    5: 'resource string',
    6: 'subresource string',
    7: 'name string',
  },
  NonResourceAttributes: { 1: 'path string', 2: 'verb string' },
  SelfSubjectRulesReview: { 1: 'metadata ObjectMeta', 2: 'spec SelfSubjectRulesReviewSpec' },
  SelfSubjectRulesReviewSpec: { 1: 'namespace string' },
  SelfSubjectReview: { 1: 'metadata ObjectMeta' },
  ContainerStateTerminated: {
    1: 'exitCode int32!',
    2: 'signal int32',
    3: 'reason string',
    4: 'message string',
    5: 'startedAt Time',
    6: 'finishedAt Time',
    7: 'containerID string',
  },
};

const FIELD = /^(\.\.\.|[A-Za-z]\w*) (\[\]|map<)?(\w+)>?(!)?$/;

function parseField(message: string, num: string, spec: string): FieldDef {
  const m = FIELD.exec(spec);
  if (!m) throw new Error(`protobuf schema ${message}.${num}: cannot parse ${JSON.stringify(spec)}`);
  const [, name, shape, type] = m as unknown as [string, string, string | undefined, string, string | undefined];
  return {
    name: name === '...' ? undefined : name,
    type,
    repeated: shape === '[]',
    map: shape === 'map<',
    keepZero: m[4] === '!',
  };
}

export type MessageSchema = ReadonlyMap<number, FieldDef>;

/** Every message we know, field number → field. */
export const MESSAGES: ReadonlyMap<string, MessageSchema> = new Map(
  Object.entries(TABLES).map(([message, table]) => [
    message,
    new Map(Object.entries(table).map(([num, spec]) => [Number(num), parseField(message, num, spec)])),
  ]),
);

/** Top-level kinds a protobuf request body may carry (the Unknown envelope's typeMeta.kind). */
export const TOP_LEVEL_KINDS: ReadonlySet<string> = new Set([
  'Binding',
  'DeleteOptions',
  'Endpoints',
  'Event',
  'Namespace',
  'Node',
  'Pod',
  'ReplicationController',
  'Scale',
  'SelfSubjectAccessReview',
  'SelfSubjectReview',
  'SelfSubjectRulesReview',
  'Service',
]);
