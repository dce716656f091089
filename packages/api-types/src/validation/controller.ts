/** ReplicationController validation. */
import type { FieldError } from '../errors/index.js';
import type { PodTemplateSpec, ReplicationController } from '../types/index.js';
import { field, nonNegative } from './field.js';
import { nameIsDNSSubdomain, validateAnnotations, validateLabels, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { validatePodSpec } from './pod.js';

const matches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function validateTemplate(t: PodTemplateSpec | undefined, selector: Record<string, string>, path: string): FieldError[] {
  if (!t) return [field.required(path)];
  const errs: FieldError[] = [];
  const labels = t.metadata?.labels;
  if (Object.keys(selector).length && !matches(selector, labels)) {
    errs.push(field.invalid(`${path}.metadata.labels`, labels ?? {}, '`selector` does not match template `labels`'));
  }
  errs.push(...validateLabels(labels, `${path}.metadata.labels`));
  errs.push(...validateAnnotations(t.metadata?.annotations, `${path}.metadata.annotations`));
  errs.push(...validatePodSpec(t.spec, `${path}.spec`));
  const restart = t.spec?.restartPolicy;
  if (restart && restart !== 'Always') errs.push(field.notSupported(`${path}.spec.restartPolicy`, restart, ['Always']));
  if (t.spec?.activeDeadlineSeconds !== undefined) {
    errs.push(
      field.invalid(`${path}.spec.activeDeadlineSeconds`, t.spec.activeDeadlineSeconds, 'activeDeadlineSeconds in ReplicationController is not Supported'),
    );
  }
  return errs;
}

function validateSpec(rc: ReplicationController): FieldError[] {
  const spec = rc.spec ?? {};
  const selector = spec.selector ?? {};
  const errs: FieldError[] = [];
  errs.push(...nonNegative('spec.minReadySeconds', spec.minReadySeconds));
  if (Object.keys(selector).length === 0) errs.push(field.required('spec.selector'));
  else errs.push(...validateLabels(selector, 'spec.selector'));
  errs.push(...nonNegative('spec.replicas', spec.replicas));
  errs.push(...validateTemplate(spec.template, selector, 'spec.template'));
  return errs;
}

export function validateReplicationController(rc: ReplicationController): FieldError[] {
  return [...validateObjectMeta(rc.metadata, { namespaced: true, nameFn: nameIsDNSSubdomain }), ...validateSpec(rc)];
}

export function validateReplicationControllerUpdate(next: ReplicationController, prev: ReplicationController): FieldError[] {
  return [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateSpec(next)];
}

export function validateReplicationControllerStatusUpdate(
  next: ReplicationController,
  prev: ReplicationController,
): FieldError[] {
  const errs = validateObjectMetaUpdate(next.metadata, prev.metadata);
  const s = next.status ?? { replicas: 0 };
  for (const k of ['replicas', 'fullyLabeledReplicas', 'readyReplicas', 'availableReplicas', 'observedGeneration'] as const) {
    errs.push(...nonNegative(`status.${k}`, s[k]));
  }
  const replicas = s.replicas ?? 0;
  for (const k of ['fullyLabeledReplicas', 'readyReplicas', 'availableReplicas'] as const) {
    const v = s[k];
    if (v !== undefined && v > replicas) errs.push(field.invalid(`status.${k}`, v, 'cannot be greater than status.replicas'));
  }
  if ((s.availableReplicas ?? 0) > (s.readyReplicas ?? 0)) {
    errs.push(field.invalid('status.availableReplicas', s.availableReplicas, 'cannot be greater than readyReplicas'));
  }
  return errs;
}
