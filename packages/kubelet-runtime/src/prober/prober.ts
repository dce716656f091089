/**
 * Runs one probe: httpGet over HTTP or HTTPS (200–399), tcpSocket (connect) or exec (exit 0).
 * Probes dial only the pod IP (the sandbox's address on our runtime's bridge, or the node IP for
 * hostNetwork pods); `httpGet.host` is ignored on purpose so a pod spec cannot aim the kubelet
 * elsewhere (a `Host` entry in `httpHeaders` still sets the Host header, as upstream).
 */
import http from 'node:http';
import https from 'node:https';
import { connect, isIPv6 } from 'node:net';
import type { Container, HTTPGetAction, IntOrString, Probe } from '@tskube/api-types';
import type { ContainerRuntime } from '../runtime/types.js';
import type { ProbeResult } from './probe-state.js';

export const PROBE_USER_AGENT = 'kube-probe/1.32';

export interface ProbeTarget {
  podIP: string;
  container: Container;
  containerId: string;
  runtime: Pick<ContainerRuntime, 'execSync'>;
}

export function resolvePort(port: IntOrString, container: Container): number {
  if (typeof port === 'number') return port;
  if (/^\d+$/.test(port)) return Number(port);
  const named = container.ports?.find((p) => p.name === port);
  if (!named) throw new Error(`port ${port} is not a named port of container ${container.name}`);
  return named.containerPort;
}

/**
 * The request headers of an httpGet probe (upstream newProbeRequest): the probe's `httpHeaders`
 * (names case-insensitive, repeated names all sent), `User-Agent: kube-probe/<version>` and
 * `Accept: *\/*` unless given (an empty Accept removes it), and `Host` from the headers, else
 * `<host>:<port>` of the URL.
 */
export function probeHeaders(httpGet: Pick<HTTPGetAction, 'httpHeaders'>, host: string, port: number): Record<string, string | string[]> {
  const headers = new Map<string, { name: string; values: string[] }>();
  for (const h of httpGet.httpHeaders ?? []) {
    const key = h.name.toLowerCase();
    const entry = headers.get(key) ?? { name: h.name, values: [] };
    entry.values.push(h.value);
    headers.set(key, entry);
  }
  if (!headers.has('user-agent')) headers.set('user-agent', { name: 'User-Agent', values: [PROBE_USER_AGENT] });
  const accept = headers.get('accept');
  if (!accept) headers.set('accept', { name: 'Accept', values: ['*/*'] });
  else if (accept.values[0] === '') headers.delete('accept');
  // Only one Host header goes out: the first given (Go's Header.Get), else the URL's host:port.
  const givenHost = headers.get('host')?.values[0];
  headers.set('host', { name: 'Host', values: [givenHost || `${isIPv6(host) ? `[${host}]` : host}:${port}`] });
  return Object.fromEntries([...headers.values()].map((h) => [h.name, h.values.length === 1 ? h.values[0]! : h.values]));
}

function httpProbe(scheme: 'HTTP' | 'HTTPS', host: string, port: number, path: string, headers: Record<string, string | string[]>, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const options = { host, port, path: path.startsWith('/') ? path : `/${path}`, method: 'GET', headers, timeout: timeoutMs, agent: false };
    const onResponse = (res: http.IncomingMessage) => {
      const code = res.statusCode ?? 0;
      res.resume();
      resolve(code >= 200 && code < 400 ? 'success' : 'failure');
    };
    // HTTPS as upstream: no certificate verification, and no SNI (the URL host is the pod IP,
    // whatever the Host header says).
    const req = scheme === 'HTTPS' ? https.request({ ...options, rejectUnauthorized: false, servername: '' }, onResponse) : http.request(options, onResponse);
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve('failure'));
    req.end();
  });
}

function tcpProbe(host: string, port: number, timeoutMs: number): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const done = (r: ProbeResult) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('connect', () => done('success'));
    socket.once('timeout', () => done('failure'));
    socket.once('error', () => done('failure'));
  });
}

export async function runProbe(probe: Probe, target: ProbeTarget): Promise<ProbeResult> {
  const timeoutSeconds = probe.timeoutSeconds || 1;
  try {
    if (probe.exec) {
      const r = await target.runtime.execSync(target.containerId, probe.exec.command ?? [], timeoutSeconds);
      return r.exitCode === 0 ? 'success' : 'failure';
    }
    if (!target.podIP) return 'unknown';
    if (probe.httpGet) {
      // Upstream lower-cases the scheme into the URL; anything but http/https fails the request.
      const scheme = (probe.httpGet.scheme || 'HTTP').toUpperCase();
      if (scheme !== 'HTTP' && scheme !== 'HTTPS') return 'failure';
      const port = resolvePort(probe.httpGet.port, target.container);
      const headers = probeHeaders(probe.httpGet, target.podIP, port);
      return await httpProbe(scheme, target.podIP, port, probe.httpGet.path ?? '/', headers, timeoutSeconds * 1000);
    }
    if (probe.tcpSocket) return await tcpProbe(target.podIP, resolvePort(probe.tcpSocket.port, target.container), timeoutSeconds * 1000);
  } catch {
    return 'failure';
  }
  return 'unknown';
}
