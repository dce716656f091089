/**
 * `metrics.k8s.io/v1beta1` (NodeMetrics, PodMetrics), what `kubectl top` reads. Upstream,
 * metrics-server scrapes every kubelet on a timer and serves its last scrape through the
 * aggregator; here the apiserver serves the group itself, as a virtual one (nothing stored):
 * each request asks the kubelets concerned for `/stats/summary`, concurrently and with a short
 * timeout, and answers in metrics-server's shapes. As metrics-server, a node whose kubelet does
 * not answer, or a pod without usage yet, is left out of a list and is a 404 on its own.
 */
import {
  badRequest,
  methodNotAllowed,
  newQuantity,
  newScaledQuantity,
  notFound,
  parseFieldSelector,
  StatusError,
  type FieldSelector,
} from '@tskube/api-types';
import { silentLogger, type Logger } from '@tskube/component-base';
import type { Registries } from '../resources/registries.js';
import type { StoredNode, StoredPod } from '../resources/types.js';
import { isTrue, pathSegments } from './route.js';
import { nodeLocation, type KubeletClient } from './kubelet.js';

type Json = Record<string, unknown>;

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
export const METRICS_GROUP_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
/** The URL prefix of the group's resources. */
export const METRICS_PATH = `/apis/${METRICS_GROUP_VERSION}`;
/**
 * Reported as each object's `window`: metrics-server's default resolution. The kubelet rates CPU
 * over the interval since its previous summary (stats.ts), which the summary does not carry.
 */
export const METRICS_WINDOW = '10s';
export const DEFAULT_SUMMARY_TIMEOUT_MS = 5000;
const MAX_SUMMARY_BYTES = 32 * 1024 * 1024;

// --- discovery ------------------------------------------------------------------------------------

const GROUP_VERSION = { groupVersion: METRICS_GROUP_VERSION, version: METRICS_VERSION };

/** `GET /apis/metrics.k8s.io`, or undefined for another group. */
export function metricsApiGroup(name: string): Json | undefined {
  if (name !== METRICS_GROUP) return undefined;
  return { kind: 'APIGroup', apiVersion: 'v1', name: METRICS_GROUP, versions: [GROUP_VERSION], preferredVersion: GROUP_VERSION };
}

/** `GET /apis/metrics.k8s.io/v1beta1`, or undefined for another group/version. */
export function metricsResourceList(group: string, version: string): Json | undefined {
  if (group !== METRICS_GROUP || version !== METRICS_VERSION) return undefined;
  const verbs = ['get', 'list'];
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: METRICS_GROUP_VERSION,
    resources: [
      { name: 'nodes', singularName: '', namespaced: false, kind: 'NodeMetrics', verbs },
      { name: 'pods', singularName: '', namespaced: true, kind: 'PodMetrics', verbs },
    ],
  };
}

/** An APIGroupList (`GET /apis`) with metrics.k8s.io appended, as the aggregator lists it after the built-in groups. */
export function withMetricsGroup(list: Json): Json {
  const groups = Array.isArray(list['groups']) ? (list['groups'] as Json[]) : [];
  if (groups.some((g) => g['name'] === METRICS_GROUP)) return list;
  return { ...list, groups: [...groups, metricsApiGroup(METRICS_GROUP)] };
}

// --- the kubelet's summary --------------------------------------------------------------------------

/** The part of the kubelet's stats/v1alpha1 Summary read here. */
export interface StatsSummary {
  node?: { nodeName?: string; cpu?: CpuStats; memory?: MemoryStats };
  pods?: {
    podRef?: { name?: string; namespace?: string; uid?: string };
    cpu?: CpuStats;
    containers?: { name?: string; cpu?: CpuStats; memory?: MemoryStats }[];
  }[];
}
interface CpuStats {
  time?: string;
  usageNanoCores?: number;
}
interface MemoryStats {
  time?: string;
  workingSetBytes?: number;
}

/** Fetches one node's summary; rejects when its kubelet cannot be reached or answers badly. */
export type SummaryFetcher = (node: StoredNode) => Promise<StatsSummary>;

/** `GET /stats/summary` from the node's kubelet, given up after `timeoutMs`. */
export function kubeletSummaryFetcher(kubelet: KubeletClient, timeoutMs = DEFAULT_SUMMARY_TIMEOUT_MS): SummaryFetcher {
  return (node) =>
    new Promise<StatsSummary>((resolve, reject) => {
      const req = kubelet.request(nodeLocation(node), '/stats/summary', { method: 'GET', headers: { accept: 'application/json' } });
      const timer = setTimeout(() => req.destroy(new Error(`no answer within ${timeoutMs}ms`)), timeoutMs);
      req.on('close', () => clearTimeout(timer));
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_SUMMARY_BYTES) req.destroy(new Error('summary too large'));
          else chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) return reject(new Error(`kubelet answered ${res.statusCode}: ${text.slice(0, 200)}`));
          try {
            resolve(JSON.parse(text) as StatsSummary);
          } catch (err) {
            reject(err instanceof Error ? err : new Error(String(err)));
          }
        });
      });
      req.end();
    });
}

// --- objects ------------------------------------------------------------------------------------

/** CPU as metrics-server writes it: nanocores in canonical form (`123456n`, `12m`, `2`). */
export const cpuQuantity = (nanoCores: number): string => newScaledQuantity(Math.max(0, Math.round(nanoCores)), -9).toString();
/** Memory as metrics-server writes it: bytes, binary SI (`1234Ki`, `1Mi`, or plain bytes). */
export const memoryQuantity = (bytes: number): string => newQuantity(Math.max(0, Math.round(bytes)), 'BinarySI').toString();

/** metav1.Time: RFC 3339 in whole seconds. */
const metaTime = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
const timeOf = (s: string | undefined, fallback: number): number => {
  const t = s === undefined ? NaN : Date.parse(s);
  return Number.isNaN(t) ? fallback : t;
};

const usage = (cpu: CpuStats | undefined, memory: MemoryStats | undefined) =>
  cpu?.usageNanoCores !== undefined && memory?.workingSetBytes !== undefined
    ? { cpu: cpuQuantity(cpu.usageNanoCores), memory: memoryQuantity(memory.workingSetBytes) }
    : undefined;

const labelsOf = (labels: Record<string, string> | undefined) => (labels && Object.keys(labels).length > 0 ? { labels } : {});

/** The NodeMetrics of a node from its kubelet's summary; undefined without both CPU rate and working set. */
export function nodeMetrics(node: StoredNode, summary: StatsSummary, now: number): Json | undefined {
  const u = usage(summary.node?.cpu, summary.node?.memory);
  if (!u) return undefined;
  return {
    kind: 'NodeMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name: node.metadata.name, ...labelsOf(node.metadata.labels), creationTimestamp: metaTime(now) },
    timestamp: metaTime(timeOf(summary.node?.cpu?.time, now)),
    window: METRICS_WINDOW,
    usage: u,
  };
}

/** The PodMetrics of a pod from its node's summary; undefined when the summary has no usage of it. */
export function podMetrics(pod: StoredPod, summary: StatsSummary, now: number): Json | undefined {
  const { name, namespace, uid } = pod.metadata;
  const stats = summary.pods?.find(
    (p) => p.podRef?.name === name && p.podRef?.namespace === namespace && (!p.podRef?.uid || !uid || p.podRef.uid === uid),
  );
  const containers: Json[] = [];
  let latest: number | undefined;
  for (const c of stats?.containers ?? []) {
    const u = usage(c.cpu, c.memory);
    if (!u || !c.name) continue;
    containers.push({ name: c.name, usage: u });
    const t = timeOf(c.cpu?.time, now);
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (containers.length === 0) return undefined;
  return {
    kind: 'PodMetrics',
    apiVersion: METRICS_GROUP_VERSION,
    metadata: { name, namespace, ...labelsOf(pod.metadata.labels), creationTimestamp: metaTime(now) },
    timestamp: metaTime(latest ?? now),
    window: METRICS_WINDOW,
    containers,
  };
}

// --- requests -------------------------------------------------------------------------------------

/** metrics-server filters on object metadata only (and upstream's conversion refuses other labels). */
const FIELD_LABELS = new Set(['metadata.name', 'metadata.namespace']);

function fieldSelectorOf(query: URLSearchParams): FieldSelector | undefined {
  const raw = query.get('fieldSelector');
  if (!raw) return undefined;
  const sel = parseFieldSelector(raw);
  for (const r of sel.requirements) if (!FIELD_LABELS.has(r.field)) throw badRequest(`field label not supported: ${r.field}`);
  return sel;
}

const metaFields = (o: StoredNode | StoredPod) => ({ 'metadata.name': o.metadata.name ?? '', 'metadata.namespace': o.metadata.namespace ?? '' });

const byNamespaceAndName = (a: Json, b: Json): number => {
  const ma = a['metadata'] as { name: string; namespace?: string };
  const mb = b['metadata'] as { name: string; namespace?: string };
  return (ma.namespace ?? '').localeCompare(mb.namespace ?? '') || (ma.name < mb.name ? -1 : ma.name > mb.name ? 1 : 0);
};

export interface MetricsApiOptions {
  registries: Pick<Registries, 'nodes' | 'pods'>;
  summary: SummaryFetcher;
  now?: () => number;
  logger?: Logger;
}

export interface MetricsApi {
  /**
   * Answers a request below `/apis/metrics.k8s.io/v1beta1` (`path` relative to it, e.g.
   * `/namespaces/default/pods`): the object or list, or a thrown StatusError (404, 405, 400).
   */
  serve(method: string, path: string, query: URLSearchParams): Promise<Json>;
}

const gr = (resource: 'nodes' | 'pods') => ({ group: METRICS_GROUP, resource });

export function createMetricsApi(options: MetricsApiOptions): MetricsApi {
  const { registries } = options;
  const now = options.now ?? Date.now;
  const log = (options.logger ?? silentLogger()).child({ component: 'metrics-api' });

  /** Each node's summary once per request, concurrently; undefined for a node whose kubelet fails. */
  async function summaries(nodes: readonly StoredNode[]): Promise<Map<string, StatsSummary>> {
    const out = new Map<string, StatsSummary>();
    await Promise.all(
      nodes.map(async (node) => {
        try {
          out.set(node.metadata.name!, await options.summary(node));
        } catch (err) {
          log.debug({ node: node.metadata.name, err }, 'no summary from kubelet; node left out');
        }
      }),
    );
    return out;
  }

  async function nodeItems(nodes: readonly StoredNode[]): Promise<Json[]> {
    const got = await summaries(nodes);
    const t = now();
    return nodes.flatMap((n) => {
      const s = got.get(n.metadata.name!);
      const m = s && nodeMetrics(n, s, t);
      return m ? [m] : [];
    });
  }

  async function podItems(pods: readonly StoredPod[]): Promise<Json[]> {
    // As metrics-server: only Running pods have metrics.
    const running = pods.filter((p) => p.status?.phase === 'Running' && p.spec?.nodeName);
    const nodeNames = [...new Set(running.map((p) => p.spec!.nodeName!))];
    const nodes = (await Promise.all(nodeNames.map((n) => registries.nodes.get(undefined, n).catch(() => undefined)))).filter(
      (n): n is StoredNode => n !== undefined,
    );
    const got = await summaries(nodes);
    const t = now();
    return running.flatMap((p) => {
      const s = got.get(p.spec!.nodeName!);
      const m = s && podMetrics(p, s, t);
      return m ? [m] : [];
    });
  }

  const list = (kind: string, items: Json[]): Json => ({ kind, apiVersion: METRICS_GROUP_VERSION, metadata: {}, items: items.sort(byNamespaceAndName) });

  async function nodesRequest(name: string | undefined, query: URLSearchParams): Promise<Json> {
    if (name !== undefined) {
      const node = await registries.nodes.get(undefined, name).catch(() => {
        throw notFound(gr('nodes'), name);
      });
      const [m] = await nodeItems([node]);
      if (!m) throw notFound(gr('nodes'), name);
      return m;
    }
    const fields = fieldSelectorOf(query);
    const nodes = (await registries.nodes.list(undefined, { labelSelector: query.get('labelSelector') ?? undefined })).items.filter(
      (n) => !fields || fields.matches(metaFields(n)),
    );
    return list('NodeMetricsList', await nodeItems(nodes));
  }

  async function podsRequest(namespace: string | undefined, name: string | undefined, query: URLSearchParams): Promise<Json> {
    if (name !== undefined) {
      const pod = await registries.pods.get(namespace, name).catch(() => {
        throw notFound(gr('pods'), name);
      });
      const [m] = await podItems([pod]);
      if (!m) throw notFound(gr('pods'), name);
      return m;
    }
    const fields = fieldSelectorOf(query);
    const pods = (await registries.pods.list(namespace, { labelSelector: query.get('labelSelector') ?? undefined })).items.filter(
      (p) => !fields || fields.matches(metaFields(p)),
    );
    return list('PodMetricsList', await podItems(pods));
  }

  return {
    async serve(method, path, query) {
      const [a, b, c, d, ...more] = pathSegments(path) ?? ['?'];
      const discovery = a === undefined;
      const nodes = a === 'nodes' && c === undefined;
      const allPods = a === 'pods' && b === undefined;
      const nsPods = a === 'namespaces' && b !== undefined && c === 'pods' && more.length === 0;
      if (!discovery && !nodes && !allPods && !nsPods) throw new StatusError('NotFound', 'the server could not find the requested resource', {});
      if (method !== 'GET' && method !== 'HEAD') throw methodNotAllowed();
      if (discovery) return metricsResourceList(METRICS_GROUP, METRICS_VERSION)!;
      const name = nodes ? b : d;
      // metrics-server serves no watch of pods (and ours none at all): kubectl top does not need one.
      if (name === undefined && isTrue(query.get('watch'))) throw methodNotAllowed();
      if (nodes) return nodesRequest(name, query);
      return podsRequest(nsPods ? b : undefined, name, query);
    },
  };
}
