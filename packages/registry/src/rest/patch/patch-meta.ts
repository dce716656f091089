/**
 * Strategic-merge-patch metadata for the core/v1 kinds we serve: the `patchStrategy` /
 * `patchMergeKey` struct tags of `k8s.io/api/core/v1/types.go` (and `metav1.ObjectMeta`), written
 * out as a small schema tree. Fields that are not listed are plain: maps merge, lists are replaced.
 */

export interface FieldMeta {
  /** `merge` for lists merged by key (or, for primitives, as a set); absent means replace. */
  readonly strategy?: 'merge';
  /** `patchStrategy:"merge,retainKeys"` (volumes, resource claims). */
  readonly retainKeys?: boolean;
  /** The key list elements are matched on; absent for primitive (set-like) merge lists. */
  readonly mergeKey?: string;
  /** Metadata of the fields below this one (of the map, or of each list element). */
  readonly fields?: Schema;
}

export type Schema = Readonly<Record<string, FieldMeta>>;

const mergeBy = (mergeKey: string, fields?: Schema): FieldMeta => ({ strategy: 'merge', mergeKey, fields });
const nested = (fields: Schema): FieldMeta => ({ fields });

const objectMeta: Schema = {
  finalizers: { strategy: 'merge' },
  ownerReferences: mergeBy('uid'),
};

const container: Schema = {
  // Upstream SMP keys ports on containerPort alone (protocol is only a server-side-apply map key).
  ports: mergeBy('containerPort'),
  env: mergeBy('name'),
  volumeMounts: mergeBy('mountPath'),
  volumeDevices: mergeBy('devicePath'),
};

const podSpec: Schema = {
  containers: mergeBy('name', container),
  initContainers: mergeBy('name', container),
  ephemeralContainers: mergeBy('name', container),
  volumes: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  imagePullSecrets: mergeBy('name'),
  hostAliases: mergeBy('ip'),
  topologySpreadConstraints: mergeBy('topologyKey'),
  schedulingGates: mergeBy('name'),
  resourceClaims: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  // tolerations, readinessGates, … carry no patch strategy upstream: replaced wholesale.
};

const podStatus: Schema = {
  conditions: mergeBy('type'),
  podIPs: mergeBy('ip'),
  hostIPs: mergeBy('ip'),
  resourceClaimStatuses: { strategy: 'merge', retainKeys: true, mergeKey: 'name' },
  // containerStatuses and friends are replaced.
};

const podTemplateSpec: Schema = { metadata: nested(objectMeta), spec: nested(podSpec) };
const conditionsByType: Schema = { conditions: mergeBy('type') };
const metaOnly: Schema = { metadata: nested(objectMeta) };

/** Kind → schema of the whole object. Kinds missing here get plain merge-patch semantics. */
const kinds: Readonly<Record<string, Schema>> = {
  Pod: { metadata: nested(objectMeta), spec: nested(podSpec), status: nested(podStatus) },
  PodTemplate: { metadata: nested(objectMeta), template: nested(podTemplateSpec) },
  ReplicationController: {
    metadata: nested(objectMeta),
    spec: nested({ template: nested(podTemplateSpec) }),
    status: nested(conditionsByType),
  },
  Node: {
    metadata: nested(objectMeta),
    spec: nested({ podCIDRs: { strategy: 'merge' } }),
    // taints, images, volumesAttached: replaced.
    status: nested({ conditions: mergeBy('type'), addresses: mergeBy('type') }),
  },
  Service: {
    metadata: nested(objectMeta),
    spec: nested({ ports: mergeBy('port') }),
    status: nested(conditionsByType),
  },
  Namespace: { metadata: nested(objectMeta), status: nested(conditionsByType) },
  ServiceAccount: { metadata: nested(objectMeta), secrets: mergeBy('name') },
  PersistentVolumeClaim: { metadata: nested(objectMeta), status: nested(conditionsByType) },
  Endpoints: metaOnly,
  Event: metaOnly,
  ConfigMap: metaOnly,
  Secret: metaOnly,
  Binding: metaOnly,
  Scale: metaOnly,
  LimitRange: metaOnly,
  ResourceQuota: metaOnly,
  PersistentVolume: metaOnly,
};

/** The kinds that have strategic metadata (for publishing it, e.g. as OpenAPI extensions). */
export function patchMetaKinds(): readonly string[] {
  return Object.keys(kinds);
}

/** The schema of a kind, or undefined when we have no strategic metadata for it. */
export function schemaForKind(kind: string): Schema | undefined {
  return Object.hasOwn(kinds, kind) ? kinds[kind] : undefined;
}

/**
 * Metadata of the field at `path`, e.g. `spec.template.spec.containers[].env`. List elements are
 * walked implicitly, so `spec.containers.env` and `spec.containers[0].env` work too.
 */
export function patchMetaFor(kind: string, path: string): FieldMeta | undefined {
  let schema = schemaForKind(kind);
  let meta: FieldMeta | undefined;
  for (const segment of path.replace(/\[\d*\]/g, '').split('.')) {
    if (!schema || !Object.hasOwn(schema, segment)) return undefined;
    meta = schema[segment];
    schema = meta?.fields;
  }
  return meta;
}

/** The strategic-merge key of the list at `path` (`name` for `spec.containers`), if it is merged by key. */
export function mergeKeyFor(kind: string, path: string): string | undefined {
  const meta = patchMetaFor(kind, path);
  return meta?.strategy === 'merge' ? meta.mergeKey : undefined;
}
