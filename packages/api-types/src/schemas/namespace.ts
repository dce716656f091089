/** core/v1 Namespace. */
import { Type } from '@sinclair/typebox';
import { CORE_V1, TimeSchema, opt, str, strings, struct } from './base.js';
import { ObjectMetaSchema, listOf, typeMeta } from './meta.js';

const c = (name: string) => CORE_V1 + name;

export const NamespaceSpecSchema = struct(c('NamespaceSpec'), { finalizers: opt(strings()) });
export const NamespaceConditionSchema = struct(c('NamespaceCondition'), {
  type: str(),
  status: str(),
  lastTransitionTime: opt(TimeSchema),
  reason: opt(str()),
  message: opt(str()),
});
export const NamespaceStatusSchema = struct(c('NamespaceStatus'), {
  phase: opt(str()),
  conditions: opt(Type.Array(NamespaceConditionSchema)),
});
export const NamespaceSchema = struct(c('Namespace'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(NamespaceSpecSchema),
  status: opt(NamespaceStatusSchema),
});
export const NamespaceListSchema = listOf(c('NamespaceList'), NamespaceSchema);
