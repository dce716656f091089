/** core/v1 ReplicationController and autoscaling/v1 Scale. */
import { Type } from '@sinclair/typebox';
import { CORE_V1, TimeSchema, int32, int64, opt, str, stringMap, struct } from './base.js';
import { ObjectMetaSchema, listOf, typeMeta } from './meta.js';
import { PodTemplateSpecSchema } from './pod.js';

const c = (name: string) => CORE_V1 + name;

export const ReplicationControllerSpecSchema = struct(c('ReplicationControllerSpec'), {
  replicas: opt(int32()),
  minReadySeconds: opt(int32()),
  selector: opt(stringMap()),
  template: opt(PodTemplateSpecSchema),
});
export const ReplicationControllerConditionSchema = struct(c('ReplicationControllerCondition'), {
  type: str(),
  status: str(),
  lastTransitionTime: opt(TimeSchema),
  reason: opt(str()),
  message: opt(str()),
});
export const ReplicationControllerStatusSchema = struct(c('ReplicationControllerStatus'), {
  replicas: int32(),
  fullyLabeledReplicas: opt(int32()),
  readyReplicas: opt(int32()),
  availableReplicas: opt(int32()),
  observedGeneration: opt(int64()),
  conditions: opt(Type.Array(ReplicationControllerConditionSchema)),
});
export const ReplicationControllerSchema = struct(c('ReplicationController'), {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ReplicationControllerSpecSchema),
  status: opt(ReplicationControllerStatusSchema),
});
export const ReplicationControllerListSchema = listOf(c('ReplicationControllerList'), ReplicationControllerSchema);

const AUTOSCALING_V1 = 'io.k8s.api.autoscaling.v1.';
export const ScaleSpecSchema = struct(AUTOSCALING_V1 + 'ScaleSpec', { replicas: opt(int32()) });
export const ScaleStatusSchema = struct(AUTOSCALING_V1 + 'ScaleStatus', {
  replicas: int32(),
  selector: opt(str()),
});
export const ScaleSchema = struct(AUTOSCALING_V1 + 'Scale', {
  ...typeMeta(),
  metadata: opt(ObjectMetaSchema),
  spec: opt(ScaleSpecSchema),
  status: opt(ScaleStatusSchema),
});
