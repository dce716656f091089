/**
 * Load and recording for the fault-injection tests (reliability.md §8.1): writers that create and
 * update pods with resourceVersion preconditions and record every request's outcome, a raw-HTTP
 * watcher that resumes from its last resourceVersion and relists on 410, /readyz and etcd
 * revision samplers, and the checks of acknowledged writes against etcd (read through its
 * JSON gateway, so the tests need no etcd client of their own).
 */

/** An HTTP status, or what happened instead of one. */
export type Outcome = number | 'timeout' | 'network';

export interface WriteRecord {
  name: string;
  verb: 'create' | 'update';
  /** The value written (annotation `seq`); unique per pod and increasing with each attempt. */
  seq: number;
  server: string;
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
  /** The resourceVersion a 2xx answer carried. */
  rv?: string;
  /** The `kind` of an error answer's body (a Kubernetes error is a `Status`). */
  errorKind?: string;
}

export const is2xx = (o: Outcome): boolean => typeof o === 'number' && o >= 200 && o < 300;

interface PodObject {
  metadata: { name: string; namespace?: string; resourceVersion?: string; annotations?: Record<string, string> };
  [k: string]: unknown;
}

export const seqOf = (obj: { metadata?: { annotations?: Record<string, string> } } | undefined): number =>
  Number(obj?.metadata?.annotations?.['seq'] ?? -1);

const json = { 'content-type': 'application/json' };
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const kindOf = (text: string): string | undefined => {
  try {
    return (JSON.parse(text) as { kind?: string }).kind;
  } catch {
    return undefined;
  }
};

export const podsPath = (ns: string): string => `/api/v1/namespaces/${ns}/pods`;

export function newPod(name: string, seq: number): PodObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: { seq: String(seq) } },
    spec: { containers: [{ name: 'main', image: 'tskube/busybox:latest' }] },
  };
}

export interface WritersOptions {
  /** The apiserver to send the next request to (called per request). */
  server: () => string;
  namespace: string;
  writers: number;
  podsPerWriter: number;
  /** Client-side deadline of every request; reaching it is recorded as `timeout`. */
  deadlineMs: number;
}

export interface Writers {
  records: WriteRecord[];
  /** 2xx writes so far. */
  acknowledged(): number;
  stop(): Promise<void>;
}

/**
 * `writers` loops, each owning `podsPerWriter` pods: create, then PUT with the last
 * resourceVersion it got. After a 409 the writer GETs the pod again before its next write; after
 * an uncertain outcome (5xx, timeout, dropped connection) it keeps its precondition, so writing
 * goes on during an outage.
 */
export function startWriters(opts: WritersOptions): Writers {
  const records: WriteRecord[] = [];
  let stopped = false;
  let acked = 0;
  const path = podsPath(opts.namespace);

  const writer = async (w: number): Promise<void> => {
    const pods = Array.from({ length: opts.podsPerWriter }, (_, j) => ({
      name: `w${w}-p${j}`,
      obj: undefined as PodObject | undefined,
      known: true,
      seq: 0,
    }));
    for (let i = 0; !stopped; i++) {
      const pod = pods[i % pods.length]!;
      const server = opts.server();
      if (!pod.known) {
        try {
          const res = await fetch(`${server}${path}/${pod.name}`, { signal: AbortSignal.timeout(opts.deadlineMs) });
          if (res.status === 200) {
            pod.obj = (await res.json()) as PodObject;
            pod.seq = Math.max(pod.seq, seqOf(pod.obj));
            pod.known = true;
          } else if (res.status === 404) {
            await res.body?.cancel();
            pod.obj = undefined;
            pod.known = true;
          } else {
            await res.body?.cancel();
          }
        } catch {
          // unreachable: try again below
        }
        if (!pod.known) await sleep(50);
        continue;
      }
      const seq = ++pod.seq;
      const verb = pod.obj ? 'update' : 'create';
      const body = pod.obj
        ? { ...pod.obj, metadata: { ...pod.obj.metadata, annotations: { ...pod.obj.metadata.annotations, seq: String(seq) } } }
        : newPod(pod.name, seq);
      const rec: WriteRecord = { name: pod.name, verb, seq, server, invokedAt: Date.now(), completedAt: 0, outcome: 'network' };
      records.push(rec);
      try {
        const res = await fetch(verb === 'update' ? `${server}${path}/${pod.name}` : `${server}${path}`, {
          method: verb === 'update' ? 'PUT' : 'POST',
          headers: json,
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(opts.deadlineMs),
        });
        const text = await res.text();
        rec.completedAt = Date.now();
        rec.outcome = res.status;
        if (is2xx(res.status)) {
          pod.obj = JSON.parse(text) as PodObject;
          rec.rv = pod.obj.metadata.resourceVersion;
          acked++;
        } else {
          rec.errorKind = kindOf(text);
          // Only a conflict needs a fresh read; after anything else the same precondition is
          // retried (with a new value), and answers 409 if the uncertain write did land.
          if (res.status === 409) pod.known = false;
        }
      } catch (err) {
        rec.completedAt = Date.now();
        rec.outcome = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      // A failing apiserver answers at once: do not spin on it.
      if (!is2xx(rec.outcome) && rec.outcome !== 409) await sleep(50);
    }
  };

  const loops = Array.from({ length: opts.writers }, (_, w) => writer(w));
  return {
    records,
    acknowledged: () => acked,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
  };
}

export interface Sample {
  invokedAt: number;
  completedAt: number;
  outcome: Outcome;
}

/** Polls `url` every `everyMs` and records each answer's status. */
export function startPoller(url: string, everyMs = 100, timeoutMs = 5_000): { samples: Sample[]; stop(): Promise<void> } {
  const samples: Sample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const s: Sample = { invokedAt: Date.now(), completedAt: 0, outcome: 'network' };
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
        await res.body?.cancel();
        s.outcome = res.status;
      } catch (err) {
        s.outcome = (err as Error).name === 'TimeoutError' ? 'timeout' : 'network';
      }
      s.completedAt = Date.now();
      samples.push(s);
      await sleep(everyMs);
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

// --- etcd through its JSON gateway (etcd 3.4: /v3/kv/range, keys and values base64) -----------

const b64 = (s: string): string => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined): string => Buffer.from(s ?? '', 'base64').toString('utf8');

/** The first key after every key starting with `prefix`. */
function prefixEnd(prefix: string): string {
  const buf = Buffer.from(prefix);
  for (let i = buf.length - 1; i >= 0; i--) {
    if (buf[i]! < 0xff) {
      buf[i]! += 1;
      return buf.subarray(0, i + 1).toString('base64');
    }
  }
  return b64('\0');
}

export interface EtcdKv {
  key: string;
  value: string;
  modRevision: number;
}

interface RangeResponse {
  header?: { revision?: string };
  kvs?: { key?: string; value?: string; mod_revision?: string }[];
}

async function etcdRange(endpoint: string, body: Record<string, unknown>): Promise<RangeResponse> {
  const res = await fetch(`${endpoint}/v3/kv/range`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  if (!res.ok) throw new Error(`etcd range: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as RangeResponse;
}

const toKv = (kv: NonNullable<RangeResponse['kvs']>[number]): EtcdKv => ({
  key: unb64(kv.key),
  value: unb64(kv.value),
  modRevision: Number(kv.mod_revision ?? 0),
});

/** etcd's current revision. */
export async function etcdRevision(endpoint: string): Promise<number> {
  return Number((await etcdRange(endpoint, { key: b64('\0'), count_only: true })).header?.revision ?? 0);
}

/** `key` as it was at `revision` (latest when omitted). */
export async function etcdGet(endpoint: string, key: string, revision?: number): Promise<EtcdKv | undefined> {
  const res = await etcdRange(endpoint, { key: b64(key), ...(revision ? { revision: String(revision) } : {}) });
  const kv = res.kvs?.[0];
  return kv && toKv(kv);
}

/** Every key (no values) starting with `prefix`. */
export async function etcdKeys(endpoint: string, prefix = '/'): Promise<string[]> {
  const res = await etcdRange(endpoint, { key: b64(prefix), range_end: prefixEnd(prefix), keys_only: true });
  return (res.kvs ?? []).map((kv) => unb64(kv.key));
}

/** Where the apiserver keeps pod `name` of `ns`, found by looking at etcd's keys. */
export async function podKeyPrefix(endpoint: string, ns: string, name: string): Promise<string> {
  const suffix = `/pods/${ns}/${name}`;
  const key = (await etcdKeys(endpoint)).find((k) => k.endsWith(suffix));
  if (!key) throw new Error(`no etcd key ends with ${suffix}`);
  return key.slice(0, key.length - name.length);
}

/** Runs `fn` over `items`, `limit` at a time. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

/**
 * Every 2xx write, checked in etcd's history: the pod's key at the acknowledged revision holds
 * the value written, with that very mod revision. Returns one line per write that is not there.
 */
export async function missingAcknowledged(endpoint: string, keyPrefix: string, records: WriteRecord[]): Promise<string[]> {
  const acked = records.filter((r) => is2xx(r.outcome));
  const problems = await mapLimit(acked, 16, async (r) => {
    const rev = Number(r.rv);
    const kv = await etcdGet(endpoint, keyPrefix + r.name, rev);
    if (!kv) return `${r.verb} ${r.name} seq=${r.seq} rv=${r.rv}: no key at that revision`;
    const stored = seqOf(JSON.parse(kv.value) as PodObject);
    if (kv.modRevision !== rev || stored !== r.seq) {
      return `${r.verb} ${r.name} seq=${r.seq} rv=${r.rv}: etcd has seq=${stored} at mod revision ${kv.modRevision}`;
    }
    return undefined;
  });
  return problems.filter((p): p is string => p !== undefined);
}

/**
 * The final state of every pod written, through the apiserver and straight from etcd: both agree
 * (value and resourceVersion), and the value is the last acknowledged write or a later write
 * whose outcome was uncertain (5xx, timeout, dropped connection) — never an older one.
 */
export async function finalStateProblems(
  endpoint: string,
  keyPrefix: string,
  server: string,
  ns: string,
  records: WriteRecord[],
): Promise<string[]> {
  const problems: string[] = [];
  const byPod = new Map<string, WriteRecord[]>();
  for (const r of records) byPod.set(r.name, [...(byPod.get(r.name) ?? []), r]);
  for (const [name, recs] of byPod) {
    const lastAcked = recs.filter((r) => is2xx(r.outcome)).at(-1);
    const allowed = new Set(
      recs.filter((r) => (!lastAcked || r.seq >= lastAcked.seq) && (r === lastAcked || (typeof r.outcome !== 'number' || r.outcome >= 500))).map((r) => r.seq),
    );
    const kv = await etcdGet(endpoint, keyPrefix + name);
    const res = await fetch(`${server}${podsPath(ns)}/${name}`, { signal: AbortSignal.timeout(10_000) });
    const api = res.status === 200 ? ((await res.json()) as PodObject) : undefined;
    if (res.status !== 200) await res.body?.cancel();
    if (!kv) {
      if (lastAcked) problems.push(`${name}: acknowledged seq=${lastAcked.seq} but the key is gone from etcd`);
      continue;
    }
    const etcdSeq = seqOf(JSON.parse(kv.value) as PodObject);
    if (!allowed.has(etcdSeq)) problems.push(`${name}: etcd holds seq=${etcdSeq}; allowed ${[...allowed].join(',')}`);
    if (!api) problems.push(`${name}: GET through the apiserver answered ${res.status}`);
    else if (seqOf(api) !== etcdSeq || api.metadata.resourceVersion !== String(kv.modRevision)) {
      problems.push(`${name}: the apiserver says seq=${seqOf(api)} rv=${api.metadata.resourceVersion}, etcd seq=${etcdSeq} rv=${kv.modRevision}`);
    }
  }
  return problems;
}

// --- a watcher that resumes from its last resourceVersion and relists on 410 -------------------

export interface WatcherEvent {
  type: string;
  name: string;
  rv: number;
  /** How many relists preceded it: events of one segment must come in increasing rv order. */
  segment: number;
  at: number;
}

export interface RawWatcher {
  /** name → resourceVersion, from lists and events. */
  cache: Map<string, string>;
  events: WatcherEvent[];
  /** The resourceVersion of every list, the first one included. */
  listRvs: number[];
  relists(): number;
  resumes(): number;
  stop(): Promise<void>;
}

interface RawEvent {
  type: string;
  object: { code?: number; metadata?: { name?: string; resourceVersion?: string } };
}

/**
 * client-go's reflector over plain fetch: list, then watch from the list's resourceVersion;
 * a stream that ends or breaks is resumed from the last resourceVersion seen (bookmarks count),
 * and a 410 (as an HTTP status or an ERROR event) makes it relist.
 */
export function startRawWatcher(server: () => string, ns: string): RawWatcher {
  const cache = new Map<string, string>();
  const events: WatcherEvent[] = [];
  const listRvs: number[] = [];
  const abort = new AbortController();
  let relists = -1;
  let resumes = 0;
  const path = podsPath(ns);

  const list = async (): Promise<string> => {
    for (;;) {
      try {
        const res = await fetch(`${server()}${path}`, { signal: AbortSignal.any([abort.signal, AbortSignal.timeout(10_000)]) });
        if (res.status === 200) {
          const body = (await res.json()) as { metadata: { resourceVersion: string }; items: PodObject[] };
          cache.clear();
          for (const p of body.items) cache.set(p.metadata.name, p.metadata.resourceVersion!);
          relists++;
          listRvs.push(Number(body.metadata.resourceVersion));
          return body.metadata.resourceVersion;
        }
        await res.body?.cancel();
      } catch {
        if (abort.signal.aborted) return '';
      }
      await sleep(100);
    }
  };

  /** One watch stream; 'expired' when the server says 410. */
  const watchOnce = async (rv: { value: string }): Promise<'ended' | 'expired'> => {
    const url = `${server()}${path}?watch=true&allowWatchBookmarks=true&resourceVersion=${rv.value}`;
    const res = await fetch(url, { signal: abort.signal });
    if (res.status === 410) {
      await res.body?.cancel();
      return 'expired';
    }
    if (res.status !== 200) {
      await res.body?.cancel();
      return 'ended';
    }
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body! as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as RawEvent;
        if (ev.type === 'ERROR') return ev.object.code === 410 ? 'expired' : 'ended';
        const objRv = ev.object.metadata?.resourceVersion;
        if (objRv) rv.value = objRv;
        if (ev.type === 'BOOKMARK') continue;
        const name = ev.object.metadata!.name!;
        events.push({ type: ev.type, name, rv: Number(objRv), segment: relists, at: Date.now() });
        if (ev.type === 'DELETED') cache.delete(name);
        else cache.set(name, objRv!);
      }
    }
    return 'ended';
  };

  const loop = (async () => {
    while (!abort.signal.aborted) {
      const rv = { value: await list() };
      for (let first = true; !abort.signal.aborted; first = false) {
        if (!first) resumes++;
        let result: 'ended' | 'expired' = 'ended';
        try {
          result = await watchOnce(rv);
        } catch {
          // dropped connection or refused: resume
        }
        if (result === 'expired') break;
        if (!abort.signal.aborted) await sleep(100);
      }
    }
  })();

  return {
    cache,
    events,
    listRvs,
    relists: () => Math.max(0, relists),
    resumes: () => resumes,
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

/** Watch events delivered twice (same resourceVersion), and out of order within a segment. */
export function watchStreamProblems(events: { type: string; name: string; rv: number; segment: number }[]): string[] {
  const problems: string[] = [];
  const seen = new Map<number, string>();
  const lastInSegment = new Map<number, number>();
  for (const e of events) {
    const id = `${e.type} ${e.name}@${e.rv}`;
    const before = seen.get(e.rv);
    if (before !== undefined) problems.push(`delivered twice: ${id} (first ${before})`);
    seen.set(e.rv, id);
    const last = lastInSegment.get(e.segment) ?? 0;
    if (e.rv <= last) problems.push(`out of order: ${id} after rv ${last}`);
    lastInSegment.set(e.segment, e.rv);
  }
  return problems;
}

/**
 * Acknowledged writes the watcher never delivered although it should have: each one after the
 * first list must arrive as an event, unless a later relist (at a resourceVersion at or past
 * it) covered it instead.
 */
export function undeliveredAcknowledged(records: WriteRecord[], events: { rv: number }[], listRvs: number[]): string[] {
  const delivered = new Set(events.map((e) => e.rv));
  const [first = 0, ...relists] = listRvs;
  return records
    .filter((r) => is2xx(r.outcome) && Number(r.rv) > first && !delivered.has(Number(r.rv)) && !relists.some((l) => l >= Number(r.rv)))
    .map((r) => `${r.verb} ${r.name} seq=${r.seq} rv=${r.rv}`);
}

/** The pods of a fresh list, name → resourceVersion. */
export async function listPods(server: string, ns: string): Promise<Map<string, string>> {
  const res = await fetch(`${server}${podsPath(ns)}`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`list pods: HTTP ${res.status} ${await res.text()}`);
  const body = (await res.json()) as { items: PodObject[] };
  return new Map(body.items.map((p) => [p.metadata.name, p.metadata.resourceVersion!]));
}

/** Creates a namespace; 409 (already there) is fine. */
export async function ensureNamespace(server: string, ns: string): Promise<void> {
  const res = await fetch(`${server}/api/v1/namespaces`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
  });
  if (res.status !== 201 && res.status !== 409) throw new Error(`create namespace ${ns}: HTTP ${res.status} ${await res.text()}`);
  await res.body?.cancel();
}

/** Creates a marker pod and returns its resourceVersion: once a watcher saw it, it saw all before. */
export async function writeMarker(server: string, ns: string, name: string): Promise<number> {
  const res = await fetch(`${server}${podsPath(ns)}`, { method: 'POST', headers: json, body: JSON.stringify(newPod(name, 0)) });
  if (res.status !== 201) throw new Error(`create ${name}: HTTP ${res.status} ${await res.text()}`);
  return Number(((await res.json()) as PodObject).metadata.resourceVersion);
}

/** Differences between a watcher's cache and a fresh list. */
export function cacheDiff(cache: Map<string, string>, list: Map<string, string>): string[] {
  const out: string[] = [];
  for (const [name, rv] of list) if (cache.get(name) !== rv) out.push(`${name}: list rv ${rv}, watcher ${cache.get(name) ?? 'missing'}`);
  for (const name of cache.keys()) if (!list.has(name)) out.push(`${name}: in the watcher only`);
  return out;
}
