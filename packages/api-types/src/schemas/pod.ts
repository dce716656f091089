/** core/v1 Pod and everything inside it (containers, volumes, probes, status). */
import { Type } from '@sinclair/typebox';
import {
  CORE_V1,
  IntOrStringSchema,
  QuantitySchema,
  ResourceListSchema,
  TimeSchema,
  anyObject,
  bool,
  int32,
  int64,
  open,
  opt,
  str,
  stringMap,
  strings,
  struct,
} from './base.js';
import { LabelSelectorSchema, LocalObjectReferenceSchema, ObjectMetaSchema, listOf, typeMeta } from './meta.js';

const c = (name: string) => CORE_V1 + name;

// --- env -------------------------------------------------------------------------------------

export const ObjectFieldSelectorSchema = struct(c('ObjectFieldSelector'), {
  apiVersion: opt(str()),
  fieldPath: str(),
});
export const ResourceFieldSelectorSchema = struct(c('ResourceFieldSelector'), {
  containerName: opt(str()),
  resource: str(),
  divisor: opt(QuantitySchema),
});
export const ConfigMapKeySelectorSchema = struct(c('ConfigMapKeySelector'), {
  name: opt(str()),
  key: str(),
  optional: opt(bool()),
});
export const SecretKeySelectorSchema = struct(c('SecretKeySelector'), {
  name: opt(str()),
  key: str(),
  optional: opt(bool()),
});
export const EnvVarSourceSchema = struct(c('EnvVarSource'), {
  fieldRef: opt(ObjectFieldSelectorSchema),
  resourceFieldRef: opt(ResourceFieldSelectorSchema),
  configMapKeyRef: opt(ConfigMapKeySelectorSchema),
  secretKeyRef: opt(SecretKeySelectorSchema),
  fileKeyRef: opt(anyObject()),
});
export const EnvVarSchema = struct(c('EnvVar'), {
  name: str(),
  value: opt(str()),
  valueFrom: opt(EnvVarSourceSchema),
});
export const ConfigMapEnvSourceSchema = struct(c('ConfigMapEnvSource'), { name: opt(str()), optional: opt(bool()) });
export const SecretEnvSourceSchema = struct(c('SecretEnvSource'), { name: opt(str()), optional: opt(bool()) });
export const EnvFromSourceSchema = struct(c('EnvFromSource'), {
  prefix: opt(str()),
  configMapRef: opt(ConfigMapEnvSourceSchema),
  secretRef: opt(SecretEnvSourceSchema),
});

// --- ports, resources, mounts ------------------------------------------------------------------

export const ContainerPortSchema = struct(c('ContainerPort'), {
  name: opt(str()),
  hostPort: opt(int32()),
  containerPort: int32(),
  protocol: opt(str()),
  hostIP: opt(str()),
});
export const ResourceClaimSchema = struct(c('ResourceClaim'), { name: str(), request: opt(str()) });
export const ResourceRequirementsSchema = struct(c('ResourceRequirements'), {
  limits: opt(ResourceListSchema()),
  requests: opt(ResourceListSchema()),
  claims: opt(Type.Array(ResourceClaimSchema)),
});
export const ContainerResizePolicySchema = struct(c('ContainerResizePolicy'), {
  resourceName: str(),
  restartPolicy: str(),
});
export const VolumeMountSchema = struct(c('VolumeMount'), {
  name: str(),
  readOnly: opt(bool()),
  recursiveReadOnly: opt(str()),
  mountPath: str(),
  subPath: opt(str()),
  mountPropagation: opt(str()),
  subPathExpr: opt(str()),
});
export const VolumeDeviceSchema = struct(c('VolumeDevice'), { name: str(), devicePath: str() });

// --- probes and lifecycle ---------------------------------------------------------------------

export const ExecActionSchema = struct(c('ExecAction'), { command: opt(strings()) });
export const HTTPHeaderSchema = struct(c('HTTPHeader'), { name: str(), value: str() });
export const HTTPGetActionSchema = struct(c('HTTPGetAction'), {
  path: opt(str()),
  port: IntOrStringSchema,
  host: opt(str()),
  scheme: opt(str()),
  httpHeaders: opt(Type.Array(HTTPHeaderSchema)),
});
export const TCPSocketActionSchema = struct(c('TCPSocketAction'), { port: IntOrStringSchema, host: opt(str()) });
export const GRPCActionSchema = struct(c('GRPCAction'), { port: int32(), service: opt(str()) });
export const SleepActionSchema = struct(c('SleepAction'), { seconds: int64() });

export const ProbeSchema = struct(c('Probe'), {
  exec: opt(ExecActionSchema),
  httpGet: opt(HTTPGetActionSchema),
  tcpSocket: opt(TCPSocketActionSchema),
  grpc: opt(GRPCActionSchema),
  initialDelaySeconds: opt(int32()),
  timeoutSeconds: opt(int32()),
  periodSeconds: opt(int32()),
  successThreshold: opt(int32()),
  failureThreshold: opt(int32()),
  terminationGracePeriodSeconds: opt(int64()),
});
export const LifecycleHandlerSchema = struct(c('LifecycleHandler'), {
  exec: opt(ExecActionSchema),
  httpGet: opt(HTTPGetActionSchema),
  tcpSocket: opt(TCPSocketActionSchema),
  sleep: opt(SleepActionSchema),
});
export const LifecycleSchema = struct(c('Lifecycle'), {
  postStart: opt(LifecycleHandlerSchema),
  preStop: opt(LifecycleHandlerSchema),
  stopSignal: opt(str()),
});

// --- security ---------------------------------------------------------------------------------

export const CapabilitiesSchema = struct(c('Capabilities'), { add: opt(strings()), drop: opt(strings()) });
export const SecurityContextSchema = struct(c('SecurityContext'), {
  capabilities: opt(CapabilitiesSchema),
  privileged: opt(bool()),
  seLinuxOptions: opt(anyObject()),
  windowsOptions: opt(anyObject()),
  runAsUser: opt(int64()),
  runAsGroup: opt(int64()),
  runAsNonRoot: opt(bool()),
  readOnlyRootFilesystem: opt(bool()),
  allowPrivilegeEscalation: opt(bool()),
  procMount: opt(str()),
  seccompProfile: opt(anyObject()),
  appArmorProfile: opt(anyObject()),
});
export const SysctlSchema = struct(c('Sysctl'), { name: str(), value: str() });
export const PodSecurityContextSchema = struct(c('PodSecurityContext'), {
  seLinuxOptions: opt(anyObject()),
  windowsOptions: opt(anyObject()),
  runAsUser: opt(int64()),
  runAsGroup: opt(int64()),
  runAsNonRoot: opt(bool()),
  supplementalGroups: opt(Type.Array(int64())),
  supplementalGroupsPolicy: opt(str()),
  fsGroup: opt(int64()),
  sysctls: opt(Type.Array(SysctlSchema)),
  fsGroupChangePolicy: opt(str()),
  seccompProfile: opt(anyObject()),
  appArmorProfile: opt(anyObject()),
  seLinuxChangePolicy: opt(str()),
});

// --- containers -------------------------------------------------------------------------------

const containerFields = () => ({
  name: str(),
  image: opt(str()),
  command: opt(strings()),
  args: opt(strings()),
  workingDir: opt(str()),
  ports: opt(Type.Array(ContainerPortSchema)),
  envFrom: opt(Type.Array(EnvFromSourceSchema)),
  env: opt(Type.Array(EnvVarSchema)),
  resources: opt(ResourceRequirementsSchema),
  resizePolicy: opt(Type.Array(ContainerResizePolicySchema)),
  restartPolicy: opt(str()),
  volumeMounts: opt(Type.Array(VolumeMountSchema)),
  volumeDevices: opt(Type.Array(VolumeDeviceSchema)),
  livenessProbe: opt(ProbeSchema),
  readinessProbe: opt(ProbeSchema),
  startupProbe: opt(ProbeSchema),
  lifecycle: opt(LifecycleSchema),
  terminationMessagePath: opt(str()),
  terminationMessagePolicy: opt(str()),
  imagePullPolicy: opt(str()),
  securityContext: opt(SecurityContextSchema),
  stdin: opt(bool()),
  stdinOnce: opt(bool()),
  tty: opt(bool()),
});
export const ContainerSchema = struct(c('Container'), containerFields());
export const EphemeralContainerSchema = struct(c('EphemeralContainer'), {
  ...containerFields(),
  targetContainerName: opt(str()),
});

// --- volumes ----------------------------------------------------------------------------------

export const KeyToPathSchema = struct(c('KeyToPath'), { key: str(), path: str(), mode: opt(int32()) });
export const EmptyDirVolumeSourceSchema = struct(c('EmptyDirVolumeSource'), {
  medium: opt(str()),
  sizeLimit: opt(QuantitySchema),
});
export const HostPathVolumeSourceSchema = struct(c('HostPathVolumeSource'), { path: str(), type: opt(str()) });
export const ConfigMapVolumeSourceSchema = struct(c('ConfigMapVolumeSource'), {
  name: opt(str()),
  items: opt(Type.Array(KeyToPathSchema)),
  defaultMode: opt(int32()),
  optional: opt(bool()),
});
export const SecretVolumeSourceSchema = struct(c('SecretVolumeSource'), {
  secretName: opt(str()),
  items: opt(Type.Array(KeyToPathSchema)),
  defaultMode: opt(int32()),
  optional: opt(bool()),
});
export const PersistentVolumeClaimVolumeSourceSchema = struct(c('PersistentVolumeClaimVolumeSource'), {
  claimName: str(),
  readOnly: opt(bool()),
});
export const DownwardAPIVolumeFileSchema = struct(c('DownwardAPIVolumeFile'), {
  path: str(),
  fieldRef: opt(ObjectFieldSelectorSchema),
  resourceFieldRef: opt(ResourceFieldSelectorSchema),
  mode: opt(int32()),
});
export const DownwardAPIVolumeSourceSchema = struct(c('DownwardAPIVolumeSource'), {
  items: opt(Type.Array(DownwardAPIVolumeFileSchema)),
  defaultMode: opt(int32()),
});
export const ProjectedVolumeSourceSchema = open(c('ProjectedVolumeSource'), {
  sources: opt(Type.Array(anyObject())),
  defaultMode: opt(int32()),
});

/** Sources we do not implement; listed so a manifest using them is not "unknown" under Strict. */
const OTHER_VOLUME_SOURCES = [
  'gcePersistentDisk', 'awsElasticBlockStore', 'gitRepo', 'nfs', 'iscsi', 'glusterfs', 'rbd',
  'flexVolume', 'cinder', 'cephfs', 'flocker', 'fc', 'azureFile', 'vsphereVolume', 'quobyte',
  'azureDisk', 'photonPersistentDisk', 'portworxVolume', 'scaleIO', 'storageos', 'csi', 'ephemeral',
  'image',
] as const;

const otherSource = () => opt(anyObject());

/** The volume sources we model; exactly one may be set on a Volume. */
export const VOLUME_SOURCES = [
  'emptyDir', 'hostPath', 'configMap', 'secret', 'persistentVolumeClaim', 'projected', 'downwardAPI',
  ...OTHER_VOLUME_SOURCES,
] as const;

export const VolumeSchema = struct(c('Volume'), {
  name: str(),
  emptyDir: opt(EmptyDirVolumeSourceSchema),
  hostPath: opt(HostPathVolumeSourceSchema),
  configMap: opt(ConfigMapVolumeSourceSchema),
  secret: opt(SecretVolumeSourceSchema),
  persistentVolumeClaim: opt(PersistentVolumeClaimVolumeSourceSchema),
  projected: opt(ProjectedVolumeSourceSchema),
  downwardAPI: opt(DownwardAPIVolumeSourceSchema),
  ...(Object.fromEntries(OTHER_VOLUME_SOURCES.map((k) => [k, otherSource()])) as Record<
    (typeof OTHER_VOLUME_SOURCES)[number],
    ReturnType<typeof otherSource>
  >),
});

// --- pod spec ---------------------------------------------------------------------------------

export const TolerationSchema = struct(c('Toleration'), {
  key: opt(str()),
  operator: opt(str()),
  value: opt(str()),
  effect: opt(str()),
  tolerationSeconds: opt(int64()),
});
export const HostAliasSchema = struct(c('HostAlias'), { ip: str(), hostnames: opt(strings()) });
export const PodDNSConfigOptionSchema = struct(c('PodDNSConfigOption'), { name: opt(str()), value: opt(str()) });
export const PodDNSConfigSchema = struct(c('PodDNSConfig'), {
  nameservers: opt(strings()),
  searches: opt(strings()),
  options: opt(Type.Array(PodDNSConfigOptionSchema)),
});
export const PodReadinessGateSchema = struct(c('PodReadinessGate'), { conditionType: str() });
export const PodOSSchema = struct(c('PodOS'), { name: str() });
export const PodSchedulingGateSchema = struct(c('PodSchedulingGate'), { name: str() });
/** Modelled loosely: the scheduler reads only what it implements. */
export const AffinitySchema = open(c('Affinity'), {
  nodeAffinity: opt(anyObject()),
  podAffinity: opt(anyObject()),
  podAntiAffinity: opt(anyObject()),
});
export const TopologySpreadConstraintSchema = open(c('TopologySpreadConstraint'), {
  maxSkew: opt(int32()),
  topologyKey: opt(str()),
  whenUnsatisfiable: opt(str()),
  labelSelector: opt(LabelSelectorSchema),
});

export const PodSpecSchema = struct(c('PodSpec'), {
  volumes: opt(Type.Array(VolumeSchema)),
  initContainers: opt(Type.Array(ContainerSchema)),
  containers: Type.Array(ContainerSchema),
  ephemeralContainers: opt(Type.Array(EphemeralContainerSchema)),
  restartPolicy: opt(str()),
  terminationGracePeriodSeconds: opt(int64()),
  activeDeadlineSeconds: opt(int64()),
  dnsPolicy: opt(str()),
  nodeSelector: opt(stringMap()),
  serviceAccountName: opt(str()),
  serviceAccount: opt(str()),
  automountServiceAccountToken: opt(bool()),
  nodeName: opt(str()),
  hostNetwork: opt(bool()),
  hostPID: opt(bool()),
  hostIPC: opt(bool()),
  shareProcessNamespace: opt(bool()),
  securityContext: opt(PodSecurityContextSchema),
  imagePullSecrets: opt(Type.Array(LocalObjectReferenceSchema)),
  hostname: opt(str()),
  subdomain: opt(str()),
  affinity: opt(AffinitySchema),
  schedulerName: opt(str()),
  tolerations: opt(Type.Array(TolerationSchema)),
  hostAliases: opt(Type.Array(HostAliasSchema)),
  priorityClassName: opt(str()),
  priority: opt(int32()),
  dnsConfig: opt(PodDNSConfigSchema),
  readinessGates: opt(Type.Array(PodReadinessGateSchema)),
  runtimeClassName: opt(str()),
  enableServiceLinks: opt(bool()),
  preemptionPolicy: opt(str()),
  overhead: opt(ResourceListSchema()),
  topologySpreadConstraints: opt(Type.Array(TopologySpreadConstraintSchema)),
  setHostnameAsFQDN: opt(bool()),
  os: opt(PodOSSchema),
  hostUsers: opt(bool()),
  schedulingGates: opt(Type.Array(PodSchedulingGateSchema)),
  resourceClaims: opt(Type.Array(anyObject())),
  resources: opt(ResourceRequirementsSchema),
});

// --- pod status -------------------------------------------------------------------------------

export const PodConditionSchema = struct(c('PodCondition'), {
  type: str(),
  observedGeneration: opt(int64()),
  status: str(),
  lastProbeTime: opt(TimeSchema),
  lastTransitionTime: opt(TimeSchema),
  reason: opt(str()),
  message: opt(str()),
});
export const ContainerStateWaitingSchema = struct(c('ContainerStateWaiting'), {
  reason: opt(str()),
  message: opt(str()),
});
export const ContainerStateRunningSchema = struct(c('ContainerStateRunning'), { startedAt: opt(TimeSchema) });
export const ContainerStateTerminatedSchema = struct(c('ContainerStateTerminated'), {
  exitCode: int32(),
  signal: opt(int32()),
  reason: opt(str()),
  message: opt(str()),
  startedAt: opt(TimeSchema),
  finishedAt: opt(TimeSchema),
  containerID: opt(str()),
});
export const ContainerStateSchema = struct(c('ContainerState'), {
  waiting: opt(ContainerStateWaitingSchema),
  running: opt(ContainerStateRunningSchema),
  terminated: opt(ContainerStateTerminatedSchema),
});
export const ContainerStatusSchema = struct(c('ContainerStatus'), {
  name: str(),
  state: opt(ContainerStateSchema),
  lastState: opt(ContainerStateSchema),
  ready: bool(),
  restartCount: int32(),
  image: str(),
  imageID: str(),
  containerID: opt(str()),
  started: opt(bool()),
  allocatedResources: opt(ResourceListSchema()),
  resources: opt(ResourceRequirementsSchema),
  volumeMounts: opt(Type.Array(anyObject())),
  user: opt(anyObject()),
  allocatedResourcesStatus: opt(Type.Array(anyObject())),
  stopSignal: opt(str()),
});
export const PodIPSchema = struct(c('PodIP'), { ip: str() });
export const HostIPSchema = struct(c('HostIP'), { ip: str() });

export const PodStatusSchema = struct(c('PodStatus'), {
  observedGeneration: opt(int64()),
  phase: opt(str()),
  conditions: opt(Type.Array(PodConditionSchema)),
  message: opt(str()),
  reason: opt(str()),
  nominatedNodeName: opt(str()),
  hostIP: opt(str()),
  hostIPs: opt(Type.Array(HostIPSchema)),
  podIP: opt(str()),
  podIPs: opt(Type.Array(PodIPSchema)),
  startTime: opt(TimeSchema),
  initContainerStatuses: opt(Type.Array(ContainerStatusSchema)),
  containerStatuses: opt(Type.Array(ContainerStatusSchema)),
  qosClass: opt(str()),
  ephemeralContainerStatuses: opt(Type.Array(ContainerStatusSchema)),
  resize: opt(str()),
  resourceClaimStatuses: opt(Type.Array(anyObject())),
});

export const PodSchema = struct(c('Pod'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(PodSpecSchema),
  status: opt(PodStatusSchema),
});
export const PodListSchema = listOf(c('PodList'), PodSchema);

export const PodTemplateSpecSchema = struct(c('PodTemplateSpec'), {
  metadata: opt(ObjectMetaSchema),
  spec: opt(PodSpecSchema),
});

