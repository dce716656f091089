/**
 * Which fields each Kind can be selected by (`?fieldSelector=`), and their values for one object:
 * upstream's per-resource ToSelectableFields / field label conversion funcs.
 */
import { badRequest } from '../errors/index.js';
import type { FieldSelector } from './fields.js';

type Extract = (obj: object) => string;

/** Read a dotted path as selector text: absent → "", booleans → "true"/"false", numbers in decimal. */
function path(...keys: string[]): Extract {
  return (obj) => {
    let cur: unknown = obj;
    for (const k of keys) {
      if (cur === null || typeof cur !== 'object') return '';
      cur = (cur as Record<string, unknown>)[k];
    }
    if (typeof cur === 'string') return cur;
    if (typeof cur === 'number' || typeof cur === 'boolean' || typeof cur === 'bigint') return String(cur);
    return '';
  };
}

/** A bool field whose absence means false (so `spec.unschedulable=false` matches schedulable nodes). */
const bool =
  (...keys: string[]): Extract =>
  (obj) =>
    path(...keys)(obj) === 'true' ? 'true' : 'false';

/** A count whose absence means 0. */
const count =
  (...keys: string[]): Extract =>
  (obj) =>
    path(...keys)(obj) || '0';

/** The pod's primary IP: status.podIPs[0], else the legacy status.podIP. */
const podIP: Extract = (obj) => path('status', 'podIPs', '0', 'ip')(obj) || path('status', 'podIP')(obj);

const COMMON: Record<string, Extract> = {
  'metadata.name': path('metadata', 'name'),
  'metadata.namespace': path('metadata', 'namespace'),
};

const BY_KIND: Record<string, Record<string, Extract>> = {
  Pod: {
    'spec.nodeName': path('spec', 'nodeName'),
    'spec.restartPolicy': path('spec', 'restartPolicy'),
    'spec.schedulerName': path('spec', 'schedulerName'),
    'spec.serviceAccountName': path('spec', 'serviceAccountName'),
    'spec.hostNetwork': bool('spec', 'hostNetwork'),
    'status.phase': path('status', 'phase'),
    'status.podIP': podIP,
    'status.nominatedNodeName': path('status', 'nominatedNodeName'),
  },
  Node: {
    'spec.unschedulable': bool('spec', 'unschedulable'),
  },
  Event: {
    'involvedObject.kind': path('involvedObject', 'kind'),
    'involvedObject.namespace': path('involvedObject', 'namespace'),
    'involvedObject.name': path('involvedObject', 'name'),
    'involvedObject.uid': path('involvedObject', 'uid'),
    'involvedObject.apiVersion': path('involvedObject', 'apiVersion'),
    'involvedObject.resourceVersion': path('involvedObject', 'resourceVersion'),
    'involvedObject.fieldPath': path('involvedObject', 'fieldPath'),
    reason: path('reason'),
    reportingComponent: path('reportingComponent'),
    source: path('source', 'component'),
    type: path('type'),
  },
  Namespace: {
    'status.phase': path('status', 'phase'),
  },
  ReplicationController: {
    'status.replicas': count('status', 'replicas'),
  },
  Secret: {
    type: path('type'),
  },
};

function extractors(kind: string): Record<string, Extract> {
  return { ...COMMON, ...(Object.hasOwn(BY_KIND, kind) ? BY_KIND[kind] : {}) };
}

/** The field labels a Kind supports in field selectors. */
export function supportedFieldLabels(kind: string): string[] {
  return Object.keys(extractors(kind));
}

/** The selectable fields of one object of `kind`, every supported label present ("" when unset). */
export function objectFields(kind: string, obj: object): Record<string, string> {
  return Object.fromEntries(Object.entries(extractors(kind)).map(([name, get]) => [name, get(obj)]));
}

/** Throws BadRequest `field label not supported: foo.bar` for the first field `kind` lacks. */
export function validateFieldSelector(kind: string, sel: FieldSelector): void {
  const supported = extractors(kind);
  for (const r of sel.requirements) {
    if (!Object.hasOwn(supported, r.field)) throw badRequest(`field label not supported: ${r.field}`);
  }
}
