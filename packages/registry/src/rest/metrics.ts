/** The apiserver's request metrics, named and labelled as upstream's. */
import { Counter, Gauge, Histogram, type Registry } from '@tskube/component-base';

export interface RequestMetrics {
  total: Counter<'verb' | 'resource' | 'subresource' | 'code'>;
  duration: Histogram<'verb' | 'resource' | 'subresource'>;
  inflight: Gauge<'request_kind'>;
}

/** Registers the metrics, or reuses them when this registry already has them (two handlers, one registry). */
export function requestMetrics(registry: Registry): RequestMetrics {
  const existing = <T>(name: string) => registry.getSingleMetric(name) as T | undefined;
  return {
    total:
      existing('apiserver_request_total') ??
      new Counter({
        name: 'apiserver_request_total',
        help: 'Counter of apiserver requests broken out for each verb, resource, subresource and HTTP response code.',
        labelNames: ['verb', 'resource', 'subresource', 'code'],
        registers: [registry],
      }),
    duration:
      existing('apiserver_request_duration_seconds') ??
      new Histogram({
        name: 'apiserver_request_duration_seconds',
        help: 'Response latency distribution in seconds for each verb, resource and subresource.',
        labelNames: ['verb', 'resource', 'subresource'],
        buckets: [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 10, 20, 30, 60],
        registers: [registry],
      }),
    inflight:
      existing('apiserver_current_inflight_requests') ??
      new Gauge({
        name: 'apiserver_current_inflight_requests',
        help: 'Number of requests currently being served, by kind (readOnly or mutating).',
        labelNames: ['request_kind'],
        registers: [registry],
      }),
  };
}

/** What one request counts as. */
export interface RequestInfo {
  /** Upper-case, as upstream: GET LIST WATCH POST PUT PATCH DELETE DELETECOLLECTION CONNECT. */
  verb: string;
  resource: string;
  subresource: string;
  /** Watches, log follows and streams: counted, but kept out of latency and in-flight. */
  longRunning: boolean;
}

const READ_ONLY = new Set(['GET', 'LIST', 'WATCH']);

/** Starts counting a request; the returned function records its end (idempotent). */
export function trackRequest(metrics: RequestMetrics, info: RequestInfo): (code: number) => void {
  const start = process.hrtime.bigint();
  const kind = READ_ONLY.has(info.verb) ? 'readOnly' : 'mutating';
  const counted = !info.longRunning;
  if (counted) metrics.inflight.inc({ request_kind: kind });
  let done = false;
  return (code) => {
    if (done) return;
    done = true;
    if (counted) metrics.inflight.dec({ request_kind: kind });
    const labels = { verb: info.verb, resource: info.resource, subresource: info.subresource };
    metrics.total.inc({ ...labels, code: String(code) });
    if (!info.longRunning) metrics.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  };
}
