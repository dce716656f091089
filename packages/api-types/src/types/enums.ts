/** The enumerated string values of core/v1, as constant tuples (for validation) and unions (for code). */

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'] as const;
export type RestartPolicy = (typeof RESTART_POLICIES)[number];

export const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
export type DNSPolicy = (typeof DNS_POLICIES)[number];

export const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type PullPolicy = (typeof PULL_POLICIES)[number];

export const PROTOCOLS = ['SCTP', 'TCP', 'UDP'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'] as const;
export type TerminationMessagePolicy = (typeof TERMINATION_MESSAGE_POLICIES)[number];

export const POD_PHASES = ['Pending', 'Running', 'Succeeded', 'Failed', 'Unknown'] as const;
export type PodPhase = (typeof POD_PHASES)[number];

export const POD_QOS_CLASSES = ['Guaranteed', 'Burstable', 'BestEffort'] as const;
export type PodQOSClass = (typeof POD_QOS_CLASSES)[number];

export const CONDITION_STATUSES = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof CONDITION_STATUSES)[number];

export const URI_SCHEMES = ['HTTP', 'HTTPS'] as const;
export type URIScheme = (typeof URI_SCHEMES)[number];

export const HOST_PATH_TYPES = [
  '', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice',
] as const;
export type HostPathType = (typeof HOST_PATH_TYPES)[number];

export const STORAGE_MEDIA = ['', 'Memory', 'HugePages'] as const;

export const TOLERATION_OPERATORS = ['Exists', 'Equal'] as const;
export type TolerationOperator = (typeof TOLERATION_OPERATORS)[number];

export const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;
export type TaintEffect = (typeof TAINT_EFFECTS)[number];

export const SERVICE_TYPES = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

export const SESSION_AFFINITIES = ['ClientIP', 'None'] as const;
export type ServiceAffinity = (typeof SESSION_AFFINITIES)[number];

export const TRAFFIC_POLICIES = ['Cluster', 'Local'] as const;
export type ServiceTrafficPolicy = (typeof TRAFFIC_POLICIES)[number];

export const IP_FAMILIES = ['IPv4', 'IPv6'] as const;
export type IPFamily = (typeof IP_FAMILIES)[number];

export const IP_FAMILY_POLICIES = ['SingleStack', 'PreferDualStack', 'RequireDualStack'] as const;
export type IPFamilyPolicy = (typeof IP_FAMILY_POLICIES)[number];

export const NAMESPACE_PHASES = ['Active', 'Terminating'] as const;
export type NamespacePhase = (typeof NAMESPACE_PHASES)[number];

export const NODE_ADDRESS_TYPES = ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'] as const;
export type NodeAddressType = (typeof NODE_ADDRESS_TYPES)[number];

export const EVENT_TYPES = ['Normal', 'Warning'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const DELETION_PROPAGATIONS = ['Orphan', 'Background', 'Foreground'] as const;
export type DeletionPropagation = (typeof DELETION_PROPAGATIONS)[number];

export const PREEMPTION_POLICIES = ['PreemptLowerPriority', 'Never'] as const;

export const LABEL_SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type LabelSelectorOperator = (typeof LABEL_SELECTOR_OPERATORS)[number];

/** The finalizer the namespace controller removes once a namespace's content is gone. */
export const FINALIZER_KUBERNETES = 'kubernetes';
