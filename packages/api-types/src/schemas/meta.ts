/** meta.k8s.io/v1 shapes: ObjectMeta, ListMeta, references, selectors, DeleteOptions, Table, Status. */
import { Type, type TSchema } from '@sinclair/typebox';
import {
  CORE_V1,
  META_V1,
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

export const OwnerReferenceSchema = struct(META_V1 + 'OwnerReference', {
  apiVersion: str(),
  kind: str(),
  name: str(),
  uid: str(),
  controller: opt(bool()),
  blockOwnerDeletion: opt(bool()),
});

/** Server-side-apply bookkeeping; kept as written (loose). */
export const ManagedFieldsEntrySchema = open(META_V1 + 'ManagedFieldsEntry', {
  manager: opt(str()),
  operation: opt(str()),
  apiVersion: opt(str()),
  time: opt(TimeSchema),
  fieldsType: opt(str()),
  fieldsV1: opt(anyObject()),
  subresource: opt(str()),
});

export const ObjectMetaSchema = struct(META_V1 + 'ObjectMeta', {
  name: opt(str()),
  generateName: opt(str()),
  namespace: opt(str()),
  selfLink: opt(str()),
  uid: opt(str()),
  resourceVersion: opt(str()),
  generation: opt(int64()),
  creationTimestamp: opt(TimeSchema),
  deletionTimestamp: opt(TimeSchema),
  deletionGracePeriodSeconds: opt(int64()),
  labels: opt(stringMap()),
  annotations: opt(stringMap()),
  ownerReferences: opt(Type.Array(OwnerReferenceSchema)),
  finalizers: opt(strings()),
  managedFields: opt(Type.Array(ManagedFieldsEntrySchema)),
});

export const ListMetaSchema = struct(META_V1 + 'ListMeta', {
  selfLink: opt(str()),
  resourceVersion: opt(str()),
  continue: opt(str()),
  remainingItemCount: opt(int64()),
});

export const TypeMetaSchema = struct(META_V1 + 'TypeMeta', {
  apiVersion: opt(str()),
  kind: opt(str()),
});

/** The `apiVersion`/`kind` pair every top-level object carries. */
export const typeMeta = () => ({ apiVersion: opt(str()), kind: opt(str()) });

export const ObjectReferenceSchema = struct(CORE_V1 + 'ObjectReference', {
  kind: opt(str()),
  namespace: opt(str()),
  name: opt(str()),
  uid: opt(str()),
  apiVersion: opt(str()),
  resourceVersion: opt(str()),
  fieldPath: opt(str()),
});

export const LocalObjectReferenceSchema = struct(CORE_V1 + 'LocalObjectReference', { name: opt(str()) });

export const LabelSelectorRequirementSchema = struct(META_V1 + 'LabelSelectorRequirement', {
  key: str(),
  operator: str(),
  values: opt(strings()),
});

export const LabelSelectorSchema = struct(META_V1 + 'LabelSelector', {
  matchLabels: opt(stringMap()),
  matchExpressions: opt(Type.Array(LabelSelectorRequirementSchema)),
});

/** metav1.Condition, used by newer status blocks (Service). */
export const ConditionSchema = struct(META_V1 + 'Condition', {
  type: str(),
  status: str(),
  observedGeneration: opt(int64()),
  lastTransitionTime: TimeSchema,
  reason: str(),
  message: str(),
});

export const PreconditionsSchema = struct(META_V1 + 'Preconditions', {
  uid: opt(str()),
  resourceVersion: opt(str()),
});

export const DeleteOptionsSchema = struct(META_V1 + 'DeleteOptions', {
  ...typeMeta(),
  gracePeriodSeconds: opt(int64()),
  preconditions: opt(PreconditionsSchema),
  orphanDependents: opt(bool()),
  propagationPolicy: opt(str()),
  dryRun: opt(strings()),
  ignoreStoreReadErrorWithClusterBreakingPotential: opt(bool()),
});

export const TableColumnDefinitionSchema = struct(META_V1 + 'TableColumnDefinition', {
  name: str(),
  type: str(),
  format: str(),
  description: str(),
  priority: int32(),
});

export const TableRowConditionSchema = struct(META_V1 + 'TableRowCondition', {
  type: str(),
  status: str(),
  reason: opt(str()),
  message: opt(str()),
});

/** runtime.RawExtension: an embedded object of any kind. */
export const RawExtensionSchema = open('io.k8s.apimachinery.pkg.runtime.RawExtension', {});

export const TableRowSchema = struct(META_V1 + 'TableRow', {
  cells: Type.Array(Type.Unknown()),
  conditions: opt(Type.Array(TableRowConditionSchema)),
  object: opt(RawExtensionSchema),
});

export const TableSchema = struct(META_V1 + 'Table', {
  ...typeMeta(),
  metadata: opt(ListMetaSchema),
  columnDefinitions: Type.Array(TableColumnDefinitionSchema),
  rows: Type.Array(TableRowSchema),
});

export const StatusCauseSchema = struct(META_V1 + 'StatusCause', {
  reason: opt(str()),
  message: opt(str()),
  field: opt(str()),
});

export const StatusDetailsSchema = struct(META_V1 + 'StatusDetails', {
  name: opt(str()),
  group: opt(str()),
  kind: opt(str()),
  uid: opt(str()),
  causes: opt(Type.Array(StatusCauseSchema)),
  retryAfterSeconds: opt(int32()),
});

export const StatusSchema = struct(META_V1 + 'Status', {
  ...typeMeta(),
  metadata: opt(ListMetaSchema),
  status: opt(str()),
  message: opt(str()),
  reason: opt(str()),
  details: opt(StatusDetailsSchema),
  code: opt(int32()),
});

/** The `<Kind>List` wrapper: `{apiVersion, kind, metadata: ListMeta, items: T[]}`. */
export function listOf<T extends TSchema>(id: string, item: T) {
  return struct(id, {
    ...typeMeta(),
    metadata: opt(ListMetaSchema),
    items: Type.Array(item),
  });
}

