/**
 * Maps a path under /api/v1 (or /apis/<group>/<version>) to a resource, namespace, name and
 * subresource (upstream's RequestInfo).
 */
import { findResource, findSubresource, type ResourceDef, type SubresourceDef } from './resources.js';
import type { RequestInfo } from './metrics.js';

export interface Route {
  resource: ResourceDef;
  /** Set for namespaced requests; undefined for cluster-scoped ones and all-namespaces lists. */
  namespace?: string;
  /** Undefined for a collection. */
  name?: string;
  subresource?: SubresourceDef;
}

/** Segments of a path below /api/v1, URL-decoded; undefined when one does not decode. */
export function pathSegments(path: string): string[] | undefined {
  try {
    return path
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

/** The route of `segments` in a group-version (default core v1), or undefined when nothing is served there (404). */
export function resolveRoute(segments: readonly string[], group = '', version = 'v1'): Route | undefined {
  const [a, b, c, d, e, ...more] = segments;
  if (a === undefined || more.length > 0) return undefined;
  if (a === 'namespaces' && b !== undefined && c !== undefined) {
    const namespaces = findResource('namespaces')!;
    const nsSub = group === '' ? findSubresource(namespaces, c) : undefined;
    if (nsSub && d === undefined) return { resource: namespaces, name: b, subresource: nsSub };
    const r = findResource(c, group, version);
    if (!r || !r.namespaced) return undefined;
    if (d === undefined) return { resource: r, namespace: b };
    if (e === undefined) return { resource: r, namespace: b, name: d };
    const sub = findSubresource(r, e);
    return sub ? { resource: r, namespace: b, name: d, subresource: sub } : undefined;
  }
  const r = findResource(a, group, version);
  if (!r) return undefined;
  if (b === undefined) return { resource: r };
  if (r.namespaced || d !== undefined) return undefined;
  if (c === undefined) return { resource: r, name: b };
  const sub = findSubresource(r, c);
  return sub ? { resource: r, name: b, subresource: sub } : undefined;
}

const TRUE = /^(1|t|true)$/i;
export const isTrue = (v: string | null | undefined): boolean => v !== null && v !== undefined && TRUE.test(v);

/**
 * The route of a request path: `/api/v1/...` or `/apis/<group>/<version>/...` of a storage-backed
 * group resource; undefined for anything else (discovery, review groups, unknown paths).
 */
export function routeOfPath(pathname: string): Route | undefined {
  if (pathname.startsWith('/api/v1/')) return resolveRoute(pathSegments(pathname.slice('/api/v1'.length)) ?? []);
  if (!pathname.startsWith('/apis/')) return undefined;
  const [group, version, ...rest] = pathSegments(pathname.slice('/apis'.length)) ?? [];
  if (group === undefined || version === undefined || rest.length === 0) return undefined;
  return resolveRoute(rest, group, version);
}

const STREAMS = new Set(['exec', 'attach', 'portforward']);

/** What a request counts as in metrics (upstream's verb names, upper-cased). */
export function requestInfo(method: string, route: Route | undefined, query: URLSearchParams): RequestInfo {
  const resource = route?.resource.name ?? '';
  const subresource = route?.subresource?.name ?? '';
  const sub = route?.subresource?.handler;
  if (sub && STREAMS.has(sub)) return { verb: 'CONNECT', resource, subresource, longRunning: true };
  let verb = method.toUpperCase();
  let longRunning = false;
  if (route && route.name === undefined && !route.subresource) {
    if (verb === 'GET' && isTrue(query.get('watch'))) {
      verb = 'WATCH';
      longRunning = true;
    } else if (verb === 'GET') verb = 'LIST';
    else if (verb === 'DELETE') verb = 'DELETECOLLECTION';
  }
  if (sub === 'log' && isTrue(query.get('follow'))) longRunning = true;
  return { verb, resource, subresource, longRunning };
}
