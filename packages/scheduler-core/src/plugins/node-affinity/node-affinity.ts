/**
 * NodeAffinity (filter): spec.nodeSelector, then requiredDuringSchedulingIgnoredDuringExecution
 * node selector terms (ORed; inside a term matchExpressions and matchFields are ANDed).
 * Operators In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields supports `metadata.name`
 * (In/NotIn). A term that is empty or malformed matches nothing, as upstream.
 */
import { SKIP, constStatus } from '../../framework/status.js';
import type { FilterPlugin, NodeInfo, SchedPod } from '../../types.js';

export const NAME = 'NodeAffinity';
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

const UNRESOLVABLE = constStatus('UnschedulableAndUnresolvable', ERR_REASON_POD, NAME);

export interface NodeSelectorRequirement {
  key: string;
  operator: string;
  values?: string[];
}
export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}
export interface NodeAffinity {
  requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: NodeSelectorTerm[] };
}

type Labels = Readonly<Record<string, string>>;
/** A compiled requirement: true when the node's labels (or name) satisfy it. */
type Matcher = (labels: Labels, nodeName: string) => boolean;

const INT = /^[-+]?[0-9]+$/;

function compileExpression(r: NodeSelectorRequirement): Matcher | undefined {
  const key = r.key;
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      if (values.length === 0) return undefined;
      return (l) => Object.hasOwn(l, key) && values.includes(l[key] as string);
    case 'NotIn':
      if (values.length === 0) return undefined;
      return (l) => !Object.hasOwn(l, key) || !values.includes(l[key] as string);
    case 'Exists':
      return values.length === 0 ? (l) => Object.hasOwn(l, key) : undefined;
    case 'DoesNotExist':
      return values.length === 0 ? (l) => !Object.hasOwn(l, key) : undefined;
    case 'Gt':
    case 'Lt': {
      const v = values[0];
      if (values.length !== 1 || v === undefined || !INT.test(v)) return undefined;
      const bound = Number(v);
      const gt = r.operator === 'Gt';
      return (l) => {
        const have = l[key];
        if (have === undefined || !Object.hasOwn(l, key) || !INT.test(have)) return false;
        return gt ? Number(have) > bound : Number(have) < bound;
      };
    }
    default:
      return undefined;
  }
}

function compileField(r: NodeSelectorRequirement): Matcher | undefined {
  if (r.key !== 'metadata.name') return undefined;
  const values = r.values ?? [];
  if (r.operator === 'In' && values.length > 0) return (_l, name) => values.includes(name);
  if (r.operator === 'NotIn' && values.length > 0) return (_l, name) => !values.includes(name);
  return undefined;
}

function compileTerm(term: NodeSelectorTerm): Matcher | undefined {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return undefined;
  const matchers: Matcher[] = [];
  for (const e of exprs) {
    const m = compileExpression(e);
    if (!m) return undefined;
    matchers.push(m);
  }
  for (const f of fields) {
    const m = compileField(f);
    if (!m) return undefined;
    matchers.push(m);
  }
  return (l, name) => matchers.every((m) => m(l, name));
}

/** The pod's required node affinity as one matcher; undefined when the pod has none. */
export function requiredNodeAffinity(pod: SchedPod): Matcher | undefined {
  const selector = pod.spec?.nodeSelector as Labels | undefined;
  const affinity = pod.spec?.affinity?.nodeAffinity as NodeAffinity | undefined;
  const required = affinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const selectorEntries = selector ? Object.entries(selector) : [];
  if (selectorEntries.length === 0 && !required) return undefined;
  const terms = required
    ? (required.nodeSelectorTerms ?? []).map(compileTerm).filter((t): t is Matcher => t !== undefined)
    : undefined;
  return (labels, name) => {
    for (const [k, v] of selectorEntries) if (labels[k] !== v || !Object.hasOwn(labels, k)) return false;
    if (!terms) return true;
    for (const t of terms) if (t(labels, name)) return true;
    return false;
  };
}

const EMPTY: Labels = Object.freeze({});

/** Upstream `GetRequiredNodeAffinity(pod).Match(node)`. */
export function fits(pod: SchedPod, info: NodeInfo): boolean {
  const m = requiredNodeAffinity(pod);
  return !m || m(info.node.metadata.labels ?? EMPTY, info.name);
}

export function newNodeAffinity(): FilterPlugin {
  return {
    name: NAME,
    preFilter(state, pod) {
      const m = requiredNodeAffinity(pod);
      if (!m) return SKIP;
      state.set(NAME, m);
      return null;
    },
    filter(state, pod, info) {
      const m = (state.get(NAME) as Matcher | undefined) ?? requiredNodeAffinity(pod);
      return !m || m(info.node.metadata.labels ?? EMPTY, info.name) ? null : UNRESOLVABLE;
    },
  } satisfies FilterPlugin;
}
