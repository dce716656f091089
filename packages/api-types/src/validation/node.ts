/** Node validation. */
import type { FieldError } from '../errors/index.js';
import { parseQuantity } from '../quantity/index.js';
import type { Node, ResourceList, Taint } from '../types/index.js';
import { TAINT_EFFECTS } from '../types/enums.js';
import { field, invalidEach } from './field.js';
import { nameIsDNSSubdomain, validateObjectMeta, validateObjectMetaUpdate } from './meta.js';
import { isQualifiedName, isValidCIDR, isValidLabelValue } from './strings.js';

const QUANTITY_FORMAT_MESSAGE =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";

function validateTaints(taints: Taint[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  (taints ?? []).forEach((t, i) => {
    const p = `${path}[${i}]`;
    errs.push(...invalidEach(`${p}.key`, t.key ?? '', isQualifiedName(t.key ?? '')));
    if (t.value) errs.push(...invalidEach(`${p}.value`, t.value, isValidLabelValue(t.value)));
    if (!t.effect) errs.push(field.required(`${p}.effect`));
    else if (!(TAINT_EFFECTS as readonly string[]).includes(t.effect)) errs.push(field.notSupported(`${p}.effect`, t.effect, TAINT_EFFECTS));
    const key = `${t.key}:${t.effect}`;
    if (seen.has(key)) errs.push(field.duplicate(p, { key: t.key, effect: t.effect }));
    seen.add(key);
  });
  return errs;
}

/** Each quantity must parse and not be negative (status.capacity.cpu, ...). */
export function validateResourceList(list: ResourceList | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [name, value] of Object.entries(list ?? {})) {
    const p = `${path}.${name}`;
    errs.push(...invalidEach(p, name, isQualifiedName(name)));
    try {
      if (parseQuantity(value).sign() < 0) errs.push(field.invalid(p, String(value), 'must be greater than or equal to 0'));
    } catch {
      errs.push(field.invalid(p, value, QUANTITY_FORMAT_MESSAGE));
    }
  }
  return errs;
}

function validateNodeFields(node: Node): FieldError[] {
  const errs: FieldError[] = [];
  const spec = node.spec ?? {};
  errs.push(...validateTaints(spec.taints, 'spec.taints'));
  if (spec.podCIDR) errs.push(...invalidEach('spec.podCIDR', spec.podCIDR, isValidCIDR(spec.podCIDR)));
  const cidrs = spec.podCIDRs ?? [];
  cidrs.forEach((c, i) => errs.push(...invalidEach(`spec.podCIDRs[${i}]`, c, isValidCIDR(c))));
  if (cidrs.length > 2) errs.push(field.invalid('spec.podCIDRs', cidrs, 'may specify no more than one CIDR for each IP family'));
  if (spec.podCIDR && cidrs.length && cidrs[0] !== spec.podCIDR) {
    errs.push(field.invalid('spec.podCIDRs', cidrs, 'first value must match `spec.podCIDR`'));
  }
  errs.push(...validateResourceList(node.status?.capacity, 'status.capacity'));
  errs.push(...validateResourceList(node.status?.allocatable, 'status.allocatable'));
  return errs;
}

export function validateNode(node: Node): FieldError[] {
  return [...validateObjectMeta(node.metadata, { namespaced: false, nameFn: nameIsDNSSubdomain }), ...validateNodeFields(node)];
}

export function validateNodeUpdate(next: Node, prev: Node): FieldError[] {
  const errs = [...validateObjectMetaUpdate(next.metadata, prev.metadata), ...validateNodeFields(next)];
  const oldCIDRs = prev.spec?.podCIDRs ?? (prev.spec?.podCIDR ? [prev.spec.podCIDR] : []);
  const newCIDRs = next.spec?.podCIDRs ?? (next.spec?.podCIDR ? [next.spec.podCIDR] : []);
  if (oldCIDRs.length && JSON.stringify(oldCIDRs) !== JSON.stringify(newCIDRs)) {
    errs.push(field.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
  }
  const oldProvider = prev.spec?.providerID ?? '';
  if (oldProvider && oldProvider !== (next.spec?.providerID ?? '')) {
    errs.push(field.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
  }
  return errs;
}
