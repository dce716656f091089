/**
 * SelectorSpread (score), the seed's service spreading: pods matched by the same Services and
 * ReplicationControllers as the incoming pod should spread across nodes (and zones). As upstream:
 * the selectors of every Service and RC in the pod's namespace that select the pod are merged
 * into one; a node's raw score is the number of live pods in that namespace it matches; scores
 * are normalized to 100 × (max − count) / max, blended 1/3 node + 2/3 zone when nodes carry
 * `topology.kubernetes.io/zone` / `region` labels. A pod no Service or RC selects is skipped.
 */
import { MAX_NODE_SCORE, SKIP } from '../../framework/status.js';
import type { NodeInfo, SchedNode, SchedPod, ScorePlugin } from '../../types.js';

export const NAME = 'SelectorSpread';
export const DEFAULT_WEIGHT = 1;
/** Upstream zoneWeighting: how much zone spreading counts against node spreading. */
export const ZONE_WEIGHTING = 2 / 3;

export interface SpreadSelector {
  namespace: string;
  /** A Service's spec.selector or an RC's spec.selector (equality-based). */
  selector: Readonly<Record<string, string>>;
}

/** What the scheduler app lists from its informers (upstream ServiceLister / RC lister). */
export interface SpreadSelectors {
  services(): readonly SpreadSelector[];
  controllers(): readonly SpreadSelector[];
}

/** A fixed SpreadSelectors, for tests, tools, and apps that rebuild it on change. */
export function staticSpreadSelectors(s: {
  services?: readonly SpreadSelector[];
  controllers?: readonly SpreadSelector[];
}): SpreadSelectors {
  const services = s.services ?? [];
  const controllers = s.controllers ?? [];
  return { services: () => services, controllers: () => controllers };
}

/** Compiled equality selector: parallel key and value arrays. */
export interface MergedSelector {
  keys: string[];
  values: string[];
}

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const k in selector) {
    if (!Object.hasOwn(selector, k)) continue;
    n++;
    if (!Object.hasOwn(labels, k) || labels[k] !== selector[k]) return false;
  }
  // A Service or RC without a selector selects nothing (upstream listers skip them).
  return n > 0;
}

/** Upstream helper.DefaultSelector over Services and RCs; undefined when none selects the pod. */
export function defaultSelector(pod: SchedPod, lister: SpreadSelectors): MergedSelector | undefined {
  const ns = pod.metadata.namespace ?? 'default';
  const labels = pod.metadata.labels ?? {};
  let merged: Record<string, string> | undefined;
  for (const list of [lister.services(), lister.controllers()]) {
    for (const s of list) {
      if (s.namespace !== ns || !selects(s.selector, labels)) continue;
      merged = { ...merged, ...s.selector };
    }
  }
  if (!merged) return undefined;
  const keys = Object.keys(merged);
  return { keys, values: keys.map((k) => merged[k] as string) };
}

/** Upstream countMatchingPods: live pods of the namespace on the node that the selector matches. */
export function countMatchingPods(namespace: string, sel: MergedSelector, info: NodeInfo): number {
  let count = 0;
  const { keys, values } = sel;
  outer: for (const p of info.pods) {
    const m = p.metadata;
    if ((m.namespace ?? 'default') !== namespace || m.deletionTimestamp) continue;
    const labels = m.labels;
    if (!labels) continue;
    for (let i = 0; i < keys.length; i++) if (labels[keys[i] as string] !== values[i]) continue outer;
    count++;
  }
  return count;
}

/** Upstream utilnode.GetZoneKey: "" when the node has neither zone nor region label. */
export function zoneKey(node: SchedNode): string {
  const l = node.metadata.labels;
  if (!l) return '';
  const zone = l['topology.kubernetes.io/zone'] ?? l['failure-domain.beta.kubernetes.io/zone'] ?? '';
  const region = l['topology.kubernetes.io/region'] ?? l['failure-domain.beta.kubernetes.io/region'] ?? '';
  return zone === '' && region === '' ? '' : `${region}:\x00:${zone}`;
}

/** Upstream NormalizeScore: raw counts → 0..100, fewer matching pods (on the node and its zone) higher. */
export function normalizeSpreadScores(scores: Map<string, number>, zones: ReadonlyMap<string, string> | undefined): void {
  let maxByNode = 0;
  const countsByZone = new Map<string, number>();
  for (const [name, s] of scores) {
    if (s > maxByNode) maxByNode = s;
    const z = zones?.get(name);
    if (z) countsByZone.set(z, (countsByZone.get(z) ?? 0) + s);
  }
  let maxByZone = 0;
  for (const c of countsByZone.values()) if (c > maxByZone) maxByZone = c;
  const haveZones = countsByZone.size > 0;
  for (const [name, s] of scores) {
    let f = maxByNode > 0 ? (MAX_NODE_SCORE * (maxByNode - s)) / maxByNode : MAX_NODE_SCORE;
    const z = haveZones ? zones?.get(name) : undefined;
    if (z) {
      const zoneScore = maxByZone > 0 ? (MAX_NODE_SCORE * (maxByZone - (countsByZone.get(z) ?? 0))) / maxByZone : MAX_NODE_SCORE;
      f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * zoneScore;
    }
    scores.set(name, Math.trunc(f));
  }
}

interface PreScoreState {
  selector: MergedSelector;
  namespace: string;
  zones: Map<string, string> | undefined;
}

const STATE_KEY = `PreScore${NAME}`;

export function newSelectorSpread(args: { spreadSelectors?: SpreadSelectors; weight?: number } = {}): ScorePlugin {
  const lister = args.spreadSelectors ?? staticSpreadSelectors({});
  return {
    name: NAME,
    weight: args.weight ?? DEFAULT_WEIGHT,
    preScore(state, pod, nodes) {
      // Upstream skips pods that bring their own topology spread constraints.
      if (pod.spec?.topologySpreadConstraints?.length) return SKIP;
      const selector = defaultSelector(pod, lister);
      if (!selector) return SKIP;
      let zones: Map<string, string> | undefined;
      for (const n of nodes) {
        const z = zoneKey(n.node);
        if (z) (zones ??= new Map()).set(n.name, z);
      }
      state.set(STATE_KEY, { selector, namespace: pod.metadata.namespace ?? 'default', zones } satisfies PreScoreState);
      return null;
    },
    score(state, _pod, info) {
      const s = state.get(STATE_KEY) as PreScoreState | undefined;
      return s ? countMatchingPods(s.namespace, s.selector, info) : 0;
    },
    normalize(state, _pod, scores) {
      const s = state.get(STATE_KEY) as PreScoreState | undefined;
      normalizeSpreadScores(scores, s?.zones);
    },
  } satisfies ScorePlugin;
}
